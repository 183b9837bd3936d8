"""``make bench``: what the migration costs, as ratios measured in one run.

Starts the three services as real gunicorn processes (the demo's worker counts) on free
ports under ``.bench/``, drives them with wrk (Debian's package; a Python keep-alive
generator is the fallback, and the table says which ran), prints a table and writes
``.bench/results.json``. Client and server CPU seconds are reported next to each load so
you can see the server, not the load generator, was the bottleneck; the server's CPU µs per
request makes a regression visible in one number, and ``closes`` counts the responses that
ended a keep-alive connection (``Connection: close``), which should never happen here.

``--tiny`` runs every measurement for a fraction of a second: the smoke test uses it to
keep this script from rotting. Its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from rich.console import Console
from rich.table import Table

from . import bench_growth, bench_growth_report, bench_scan
from .stack import PORTS, LocalStack, free_ports, live_workers

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / ".bench"
CONNECTIONS = 16
GENERATOR = "auto"  # or "wrk" / "python", from --generator
SKU_STOCK = "1000000000"
JWKS_MAX_AGE = 60  # the AS's Cache-Control max-age on its JWKS


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    client_cpu_s: float
    #: None where no process-CPU source exists (Linux with /proc hidden): never a fake 0.
    server_cpu_s: float | None
    generator: str
    #: Responses that said ``Connection: close`` to a client that asked for keep-alive: each
    #: one is a server-initiated close and a reconnect (docs/performance.md, keep-alive).
    closes: int = 0
    #: Server CPU (all processes of the service) per completed request: one number that
    #: shows a regression whatever the machine's throughput that day.
    server_cpu_us_per_request: float | None = None


# -- load generation ---------------------------------------------------------------------------


def _server_cpu(stack: LocalStack, service: str) -> float | None:
    """CPU seconds used so far by a service's master and workers, or None if unknowable.

    Linux: every process in the master's process group, from ``/proc/<pid>/stat`` (clock
    ticks). Without ``/proc`` (macOS): ``ps -o time=`` on the master and the workers named
    by their marker files (macOS prints hundredths of a second).
    """
    master = stack.procs[service].pid
    if Path("/proc/self/stat").exists():
        return _proc_group_cpu(master)
    pids = {master} | live_workers(stack.state / service / "workers", master)
    try:
        ps = subprocess.run(
            ["ps", "-o", "time=", "-p", ",".join(map(str, sorted(pids)))],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None  # e.g. procps, which needs /proc itself
    return sum(_cpu_time(field) for field in ps.stdout.split())


def _proc_group_cpu(pgid: int) -> float:
    """CPU seconds of every process in a process group, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state ppid pgrp ...
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _cpu_time(text: str) -> float:
    """``ps``'s ``[dd-][hh:]mm:ss[.cc]`` in seconds."""
    days, _, clock = text.rpartition("-")
    seconds = 0.0
    for part in clock.split(":"):
        seconds = seconds * 60 + float(part)
    return (int(days) if days else 0) * 86400 + seconds


def _per_request_us(cpu_s: float | None, requests_done: int) -> float | None:
    return None if cpu_s is None else round(cpu_s * 1e6 / max(1, requests_done))


#: wrk counts the responses that close the connection; ``done`` prints the thread's count.
_WRK_COUNT_CLOSES = """
closes = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  local connection = headers["Connection"] or headers["connection"]
  if connection and connection:lower() == "close" then closes = closes + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("closes") end
  io.write(string.format("Connection-close responses: %d\\n", total))
end
"""


def _wrk(
    url: str, method: str, headers: dict[str, str], body: str | None, seconds: float
) -> tuple[dict, float]:
    lua = [_WRK_COUNT_CLOSES, f'wrk.method = "{method}"']
    for name, value in headers.items():
        lua.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    if body is not None:
        lua.append(f"wrk.body = {json.dumps(body)}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lua) + "\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        script.name,
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.unlink(script.name)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    def latency(pct: str) -> float:
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    closes = re.search(r"Connection-close responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "requests": requests_done,
        "non_2xx": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(map(int, errors.groups())) if errors else 0),
        "closes": int(closes.group(1)),
    }, cpu


def _python_load(
    url: str, method: str, headers: dict[str, str], body: str | None, seconds: float
) -> tuple[dict, float]:
    """Fallback: CONNECTIONS threads, each with one keep-alive connection."""
    parts = urlsplit(url)
    latencies: list[float] = []
    bad = [0]
    closes = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    cpu_before = time.process_time()

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine, errors, closed = [], 0, 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            conn.request(method, parts.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            errors += response.status >= 300
            closed += response.will_close  # http.client reconnects on the next request
        conn.close()
        with lock:
            latencies.extend(mine)
            bad[0] += errors
            closes[0] += closed

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "requests": len(latencies),
        "non_2xx": bad[0],
        "closes": closes[0],
    }, time.process_time() - cpu_before


def load(stack: LocalStack, service: str, path: str, seconds: float, method: str = "GET",
         headers: dict[str, str] | None = None, body: str | None = None) -> Load:  # fmt: skip
    url = stack.urls[service] + path
    headers = dict(headers or {})
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    server_before = _server_cpu(stack, service)
    generator = GENERATOR if GENERATOR != "auto" else "wrk" if shutil.which("wrk") else "python"
    runner = _wrk if generator == "wrk" else _python_load
    figures, client_cpu = runner(url, method, headers, body, seconds)
    server_after = _server_cpu(stack, service)
    server_cpu = (
        None if server_before is None or server_after is None else server_after - server_before
    )
    if figures["non_2xx"]:
        raise SystemExit(f"bench: {figures['non_2xx']} failed requests to {method} {path}")
    return Load(
        **figures,
        client_cpu_s=round(client_cpu, 2),
        server_cpu_s=None if server_cpu is None else round(server_cpu, 2),
        generator=generator,
        server_cpu_us_per_request=_per_request_us(server_cpu, figures["requests"]),
    )


def _metric(base_url: str, name: str) -> float:
    """The sum of a Prometheus metric's samples (every label set) at ``base_url/metrics``."""
    text = requests.get(f"{base_url}/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def _settle(order_url: str) -> None:
    """Until Order's count of Inventory calls holds still for 0.2 s.

    wrk stops without waiting for its last requests, so Order may still be calling
    Inventory; a mode flip landing on such a call would refuse it (and, on tokens, cost a
    refetch that ``order_token_fetches_per_worker`` would count)."""
    before = None
    while (now := _metric(order_url, "order_inventory_calls_total")) != before:
        before = now
        time.sleep(0.2)


def stack_token(stack: LocalStack, client_id: str, scope: str | None = None) -> str:
    """A client-credentials token from ``stack``'s AS for one of its demo clients."""
    data = {
        "grant_type": "client_credentials",
        "resource": stack.resource,
        **({"scope": scope} if scope else {}),
    }
    secret = stack.credentials()["client_secrets"][client_id]
    resp = requests.post(
        f"{stack.issuer}/oauth/token", data=data, auth=(client_id, secret), timeout=10
    )
    resp.raise_for_status()
    return resp.json()["access_token"]


def paired_ratio(pairs: list[float]) -> float:
    """The median of per-round ratios, each from two loads run back to back.

    A shared VM's speed drifts by ±10 % over minutes; a ratio of two loads run moments apart
    cancels most of that, and the median drops the round a neighbour's burst spoiled.
    """
    return round(statistics.median(pairs), 3)


# -- the measurements --------------------------------------------------------------------------


class Bench:
    def __init__(
        self,
        seconds: float,
        rounds: int,
        out: Path,
        ratio_rounds: int = 6,
        ratio_seconds: float = 3,
    ) -> None:
        self.seconds = seconds
        self.rounds = rounds
        #: The two goal ratios run this many paired rounds, this long each (``paired_ratio``).
        self.ratio_rounds = ratio_rounds
        self.ratio_seconds = ratio_seconds
        self.out = out
        ports = dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
        self.stack = LocalStack(state=out / "stack", ports=ports)
        self.results: dict = {
            "cores": os.cpu_count(),
            "connections": CONNECTIONS,
            "seconds_per_load": seconds,
        }
        self.loads: dict[str, Load] = {}

    def token(self, client_id: str, scope: str | None = None) -> str:
        return stack_token(self.stack, client_id, scope)

    def set_mode(self, mode: str) -> None:
        headers = {"Authorization": f"Bearer {self.token('platform-admin')}"}
        resp = requests.put(
            f"{self.stack.resource}/admin/auth-mode",
            json={"mode": mode},
            headers=headers,
            timeout=10,
        )
        resp.raise_for_status()  # in force in every worker when this returns

    def metric(self, service: str, name: str) -> float:
        return _metric(self.stack.urls[service], name)

    def record(self, name: str, run: Load) -> Load:
        """Keep the best run under ``name``: noise on a shared machine only ever slows a run."""
        if name not in self.loads or run.rps > self.loads[name].rps:
            self.loads[name] = run
        return self.loads[name]

    def best(self, name: str, *args, **kwargs) -> Load:
        """The best of ``rounds`` runs of one load."""
        for _ in range(self.rounds):
            self.record(name, load(self.stack, *args, **kwargs))
        return self.loads[name]

    def run(self) -> dict:
        stack = self.stack
        stack.bootstrap()
        try:
            stack.start()
            stack.cli("inventory_service").run(
                "stock", "set", "WIDGET-1", SKU_STOCK
            ).check_returncode()
            self.resource_server()
            self.mcp()
            self.orders()
            self.token_fetching()
            self.authorization_server()
            self.flag_check()
            from .bench_postgres import compare  # imports this module: not at its top

            compare(self, self.out / "stack-postgres", load)  # PostgreSQL beside SQLite
        finally:
            stack.close()
        self.results["loads"] = {name: asdict(value) for name, value in self.loads.items()}
        # Every load is steady (a fixed set of keep-alive clients), so any close is a regression.
        self.results["server_closes_during_steady_loads"] = sum(
            value.closes for value in self.loads.values()
        )
        return self.results

    def flag_check(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            self.results["auth_mode_check_us_per_request"] = _flag_check_us(
                Path(tmp), 2_000 if self.seconds < 1 else 50_000
            )

    def resource_server(self) -> None:
        """Same endpoint, same load: a bearer token versus an API key, with and without the
        validated-token cache."""
        self.set_mode("dual")
        started = time.monotonic()
        key = {"X-API-Key": self.stack.credentials()["api_keys"]["order-service"]}
        bearer = {"Authorization": f"Bearer {self.token('order-service')}"}
        path = "/inventory/WIDGET-1"
        load(self.stack, "inventory_service", path, min(1, self.seconds), headers=bearer)  # warm-up
        pairs = []
        for _ in range(self.ratio_rounds):  # paired rounds, so drift weighs on both alike
            k = load(self.stack, "inventory_service", path, self.ratio_seconds, headers=key)
            t = load(self.stack, "inventory_service", path, self.ratio_seconds, headers=bearer)
            self.record("rs_api_key", k)
            self.record("rs_token", t)
            pairs.append(t.rps / k.rps)
        workers = int(self.stack.env("inventory_service")["INVENTORY_WORKERS"])
        self.results["jwks_fetches_per_worker"] = (
            self.metric("inventory_service", "inventory_jwks_fetches_total") / workers
        )
        # Each worker refetches the JWKS once its copy is older than the AS's max-age (60 s,
        # keys must leave on time): one fetch, plus one per minute of load.
        self.results["jwks_fetches_allowed_per_worker"] = 1 + int(
            (time.monotonic() - started) // JWKS_MAX_AGE
        )
        self.results["rs_token_vs_key_throughput_ratio"] = paired_ratio(pairs)
        self.results["rs_token_vs_key_ratio_per_round"] = [round(r, 3) for r in pairs]

        # The design decision, measured: the same run with the cache switched off.
        self.stack.restart("inventory_service", {"INVENTORY_TOKEN_CACHE_SIZE": "0"})
        load(self.stack, "inventory_service", path, min(1, self.seconds), headers=bearer)
        self.best("rs_api_key_no_cache_run", "inventory_service", path, self.seconds, headers=key)
        self.best("rs_token_no_cache", "inventory_service", path, self.seconds, headers=bearer)
        self.results["rs_token_vs_key_throughput_ratio_without_token_cache"] = round(
            self.loads["rs_token_no_cache"].rps / self.loads["rs_api_key_no_cache_run"].rps, 3
        )
        self.stack.restart("inventory_service", {})

    def mcp(self) -> None:
        """Phase 5: MCP ``tools/call get_stock`` with a token (one uvicorn process, stateless
        JSON) against REST ``GET /inventory/<sku>`` with a token (gunicorn), same run."""
        agent = "inventory-agent"
        secret = self.stack.credentials()["agents"][agent]["client_secret"]
        resp = requests.post(
            f"{self.stack.issuer}/oauth/token",
            data={"grant_type": "client_credentials", "resource": self.stack.mcp_resource,
                  "scope": "inventory:read"},
            auth=(agent, secret), timeout=10,
        )  # fmt: skip
        resp.raise_for_status()
        mcp_headers = {
            "Authorization": f"Bearer {resp.json()['access_token']}",
            "Accept": "application/json, text/event-stream",
        }
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "get_stock", "arguments": {"sku": "WIDGET-1"}}}  # fmt: skip
        mcp = ("inventory_service.mcp", "/mcp")
        kwargs = {"method": "POST", "headers": mcp_headers, "body": json.dumps(call)}
        rest = {"Authorization": f"Bearer {self.token('order-service')}"}
        path = "/inventory/WIDGET-1"
        load(self.stack, *mcp, min(1, self.seconds), **kwargs)  # warm-up
        load(self.stack, "inventory_service", path, min(1, self.seconds), headers=rest)
        for _ in range(self.rounds):
            self.best("rest_token_get_sku", "inventory_service", path, self.seconds, headers=rest)
            self.best("mcp_tools_call_get_stock", *mcp, self.seconds, **kwargs)
        m, r = self.loads["mcp_tools_call_get_stock"], self.loads["rest_token_get_sku"]
        self.results["mcp_vs_rest_token_throughput_ratio"] = round(m.rps / r.rps, 3)
        self.results["mcp_server_cpu_us_per_call"] = _per_request_us(m.server_cpu_s, m.requests)
        self.results["rest_server_cpu_us_per_call"] = _per_request_us(r.server_cpu_s, r.requests)

    def orders(self) -> None:
        """POST /orders in phase 0 (Order on its key) and phase 3 (Order on a cached token).

        Two Order deployments run side by side, one per credential, against the one
        Inventory; each round flips Inventory's mode (in force at once) and loads the Order
        of that phase, so the rounds need no redeploy and follow each other closely. The
        ratio is the median of the rounds' (``paired_ratio``): run one after the other,
        best of three each, the same build gave ratios from 0.87 to 1.29."""
        body = json.dumps({"sku": "WIDGET-1", "quantity": 1})
        on_tokens = self._second_order("oauth")
        try:
            phases = (("order_phase0_api_key", "api_key", self.stack),
                      ("order_phase3_token", "token_only", on_tokens))  # fmt: skip
            for _, mode, stack in phases:  # warm-up: connections, the one fetch per worker
                self.set_mode(mode)
                load(stack, "order_service", "/orders", min(1, self.seconds), method="POST", body=body)  # fmt: skip
                _settle(stack.urls["order_service"])
            pairs = []
            for _ in range(self.ratio_rounds):
                rps = []
                for name, mode, stack in phases:
                    self.set_mode(mode)
                    run = load(stack, "order_service", "/orders", self.ratio_seconds, method="POST", body=body)  # fmt: skip
                    _settle(stack.urls["order_service"])
                    self.record(name, run)
                    rps.append(run.rps)
                pairs.append(rps[1] / rps[0])
            workers = int(on_tokens.env("order_service")["ORDER_WORKERS"])
            fetches = _metric(on_tokens.urls["order_service"], "order_token_fetches_total")
            self.results["order_token_fetches_per_worker"] = fetches / workers
        finally:
            on_tokens.close()
        self.results["order_token_vs_key_throughput_ratio"] = paired_ratio(pairs)
        self.results["order_token_vs_key_ratio_per_round"] = [round(r, 3) for r in pairs]

    def _second_order(self, order_auth: str) -> LocalStack:
        """Another Order deployment (own port, data and pid) on the same AS and Inventory."""
        ports = {**self.stack.ports, "order_service": free_ports(1)[0]}
        second = LocalStack(state=self.stack.state / f"order-{order_auth}", ports=ports)
        second.state.mkdir(mode=0o700, exist_ok=True)
        shutil.copy2(self.stack.state / "credentials.json", second.state / "credentials.json")
        second.start_service("order_service", order_auth)
        return second

    def token_fetching(self) -> None:
        """Order's token cache against the real AS, 16 threads across one TTL on a stepped
        clock; and a naive client that fetches a token for every call."""
        from order_service.config import OAuthSettings
        from order_service.oauth_client import ClientCredentials
        from order_service.token_cache import TokenCache

        secret = self.stack.credentials()["client_secrets"]["order-service"]
        creds = ClientCredentials(
            OAuthSettings(
                self.stack.issuer,
                "order-service",
                self.stack.resource,
                "inventory:write",
                client_secret=secret,
            )
        )
        now = [0.0]
        fetches = [0]

        def fetch():
            fetches[0] += 1
            return creds.fetch()

        cache = TokenCache(fetch, margin=60, clock=lambda: now[0])
        steps = 200
        ttl_before_margin = 3600 - 60

        def advance():  # runs once per step, when all 16 threads have arrived
            now[0] += ttl_before_margin / steps * 0.999

        barrier = threading.Barrier(16, action=advance)

        def worker():
            for _ in range(steps):
                barrier.wait()
                cache.get()

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.results["token_fetches_per_process"] = fetches[0]

        n = max(20, int(200 * min(1.0, self.seconds / 5)))
        url = f"{self.stack.resource}/inventory/WIDGET-1"
        with requests.Session() as http:
            cached = {"Authorization": f"Bearer {self.token('catalog-reader')}"}
            t0 = time.perf_counter()
            for _ in range(n):
                http.get(url, headers=cached, timeout=10).raise_for_status()
            cached_s = (time.perf_counter() - t0) / n
            naive_fetches = 0
            t0 = time.perf_counter()
            for _ in range(n):
                fresh = self.token("catalog-reader")  # what a naive client does on every call
                naive_fetches += 1
                http.get(
                    url, headers={"Authorization": f"Bearer {fresh}"}, timeout=10
                ).raise_for_status()
            naive_s = (time.perf_counter() - t0) / n
        self.results["naive_token_fetches_per_request"] = naive_fetches / n
        self.results["naive_added_latency_ms_per_request"] = round((naive_s - cached_s) * 1000, 2)
        self.results["cached_token_request_latency_ms"] = round(cached_s * 1000, 2)

    def authorization_server(self) -> None:
        """Client-credentials tokens per second with client_secret_basic, ES256 then RS256."""
        import base64

        secret = self.stack.credentials()["client_secrets"]["catalog-reader"]
        basic = {
            "Authorization": "Basic "
            + base64.b64encode(f"catalog-reader:{secret}".encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = "grant_type=client_credentials"
        for alg in ("ES256", "RS256"):
            # A start with another AUTH_SIGNING_ALG rotates to a key of that algorithm.
            self.stack.restart("auth_server", {"AUTH_SIGNING_ALG": alg})
            self.best(f"as_{alg.lower()}", "auth_server", "/oauth/token", self.seconds,
                      method="POST", headers=basic, body=body)  # fmt: skip
        self.results["as_tokens_per_second"] = {
            "ES256": self.loads["as_es256"].rps,
            "RS256": self.loads["as_rs256"].rps,
        }
        self.results["as_server_cpu_us_per_token"] = {
            "ES256": self.loads["as_es256"].server_cpu_us_per_request,
            "RS256": self.loads["as_rs256"].server_cpu_us_per_request,
        }
        # The floor under any token: the same server, load and workers answering the
        # cheapest route there is. What a token costs above it is the AS's own work.
        floor = self.best("as_healthz_floor", "auth_server", "/healthz", self.seconds)
        self.results["as_floor_server_cpu_us_per_request"] = floor.server_cpu_us_per_request


def _flag_check_us(data_dir: Path, calls: int) -> float:
    """What obeying flips at once costs a request: the per-request ``PRAGMA data_version``
    look-up of ``AuthModes`` (no flip in between), in microseconds, in this process."""
    from inventory_service.db import DB_FILE, Database
    from inventory_service.resource_server.flags import AuthModes

    modes = AuthModes(Database(data_dir / DB_FILE), "dual")
    modes.global_mode()
    started = time.perf_counter()
    for _ in range(calls):
        modes.global_mode()
    return round((time.perf_counter() - started) / calls * 1e6, 2)


def _shown(value: object) -> str:
    """A figure for the table; "n/a" where this machine cannot measure it."""
    if isinstance(value, dict):
        return str({key: _shown(item) for key, item in value.items()})
    return "n/a" if value is None else str(value)


def report(results: dict, console: Console) -> None:
    from .bench_postgres import GOALS as POSTGRES_GOALS  # imports this module: not at its top

    goals = [
        ("rs_token_vs_key_throughput_ratio", "≥ 0.95"),
        ("rs_token_vs_key_throughput_ratio_without_token_cache", "(no cache, for comparison)"),
        ("order_token_vs_key_throughput_ratio", "≥ 0.95"),
        ("token_fetches_per_process", "1"),
        ("order_token_fetches_per_worker", "1"),
        ("naive_token_fetches_per_request", "1 (the anti-pattern)"),
        ("naive_added_latency_ms_per_request", ""),
        ("jwks_fetches_per_worker", "≤ jwks_fetches_allowed_per_worker"),
        ("jwks_fetches_allowed_per_worker", "1 + one per 60 s (AS max-age), never per request"),
        ("auth_mode_check_us_per_request", "a few µs (flips in force at once)"),
        ("mcp_vs_rest_token_throughput_ratio", "(MCP: 1 uvicorn process; REST: 2 workers)"),
        ("mcp_server_cpu_us_per_call", ""),
        ("rest_server_cpu_us_per_call", ""),
        ("server_closes_during_steady_loads", "0 (keep-alive stays alive)"),
        ("as_server_cpu_us_per_token", "ES256 ≤ 700 (not met, see the floor)"),
        ("as_floor_server_cpu_us_per_request", "(GET /healthz: gunicorn gthread + Flask alone)"),
        *POSTGRES_GOALS,
    ]
    table = Table(
        title=f"make bench — {results['cores']} cores, {results['connections']} connections"
    )
    for column in ("figure", "value", "goal"):
        table.add_column(column)
    for name, goal in goals:
        table.add_row(name, _shown(results[name]), goal)
    console.print(table)
    loads = Table(title="loads (best of rounds)")
    for column in (
        "load",
        "req/s",
        "p50 ms",
        "p99 ms",
        "requests",
        "client CPU s",
        "server CPU s",
        "server CPU µs/req",
        "closes",
        "generator",
    ):
        loads.add_column(column)
    for name, r in results["loads"].items():
        loads.add_row(name, f"{r['rps']:.0f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", str(r["requests"]),
                      str(r["client_cpu_s"]), _shown(r["server_cpu_s"]), _shown(r["server_cpu_us_per_request"]),
                      str(r["closes"]), r["generator"])  # fmt: skip
    console.print(loads)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a smoke run; numbers mean nothing")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each load")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ratio-rounds", type=int, default=6, help="alternations per goal ratio")
    parser.add_argument("--ratio-seconds", type=float, default=3.0, help="each one's duration")
    parser.add_argument("--out", type=Path, default=OUT, help="where results.json and state go")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args(argv)
    global GENERATOR
    GENERATOR = args.generator
    seconds, rounds = (0.5, 1) if args.tiny else (args.seconds, args.rounds)
    ratio_rounds, ratio_seconds = (1, 0.5) if args.tiny else (args.ratio_rounds, args.ratio_seconds)
    console = Console(width=None if sys.stdout.isatty() else 120)
    if not shutil.which("wrk"):
        console.print(
            "[yellow]wrk not found (apt-get install wrk); using the Python load generator[/]"
        )
    started = time.monotonic()
    results = Bench(seconds, rounds, args.out, ratio_rounds, ratio_seconds).run()
    results["growth"] = bench_growth.run(
        args.out / "growth", load, min(seconds, 2), rounds, args.tiny
    )
    results["scan"] = bench_scan.run(args.out / "scan", 5 if args.tiny else 300, args.tiny)
    results["tiny"] = args.tiny
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    report(results, console)
    bench_growth_report.report(results, console)
    console.print(f"written to {args.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
