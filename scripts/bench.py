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
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

import requests
from rich.console import Console
from rich.table import Table

from . import (
    bench_growth,
    bench_growth_report,
    bench_load,
    bench_mcp,
    bench_postgres,
    bench_scan,
    bench_token_floor,
)
from .bench_load import (
    CONNECTIONS,
    SKU_STOCK,
    Load,
    load,
    metric_total,
    paired_ratio,
    settle,
    stack_token,
)
from .stack import PORTS, LocalStack, free_ports

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / ".bench"
JWKS_MAX_AGE = 60  # the AS's Cache-Control max-age on its JWKS


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
        return metric_total(self.stack.urls[service], name)

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
        bench_mcp.configure(stack)
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
            bench_postgres.compare(self, self.out / "stack-postgres")  # beside SQLite
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
        # Back to the cache on: restart() keeps earlier extra settings, so drop them first.
        self.stack.extra_env.pop("inventory_service", None)
        self.stack.restart("inventory_service", {})

    def mcp(self) -> None:
        """Phase 5: MCP ``tools/call`` against REST ``GET``, both with a token (bench_mcp.py)."""
        bench_mcp.measure(self)

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
                settle(stack.urls["order_service"])
            pairs = []
            for _ in range(self.ratio_rounds):
                rps = []
                for name, mode, stack in phases:
                    self.set_mode(mode)
                    run = load(stack, "order_service", "/orders", self.ratio_seconds, method="POST", body=body)  # fmt: skip
                    settle(stack.urls["order_service"])
                    self.record(name, run)
                    rps.append(run.rps)
                pairs.append(rps[1] / rps[0])
            workers = int(on_tokens.env("order_service")["ORDER_WORKERS"])
            fetches = metric_total(on_tokens.urls["order_service"], "order_token_fetches_total")
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
            if alg == "ES256":  # ES256 tokens and the floor in paired rounds
                bench_token_floor.measure(self, basic, body)
                continue
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
        ("mcp_vs_rest_token_throughput_ratio", "≥ 0.5 (as many MCP processes as REST workers)"),
        ("mcp_server_cpu_us_per_call", ""),
        ("rest_server_cpu_us_per_call", ""),
        ("server_closes_during_steady_loads", "0 (keep-alive stays alive)"),
        ("as_server_cpu_us_per_token", "(the total, floor included)"),
        ("as_floor_server_cpu_us_per_request", "(GET /healthz: gunicorn gthread + Flask alone)"),
        ("as_token_cpu_above_floor_us", "ES256 ≤ 500 (token minus floor, same rounds)"),
        *bench_postgres.GOALS,
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
    bench_load.GENERATOR = args.generator
    seconds, rounds = (0.5, 1) if args.tiny else (args.seconds, args.rounds)
    ratio_rounds, ratio_seconds = (1, 0.5) if args.tiny else (args.ratio_rounds, args.ratio_seconds)
    console = Console(width=None if sys.stdout.isatty() else 120)
    if not shutil.which("wrk"):
        console.print(
            "[yellow]wrk not found (apt-get install wrk); using the Python load generator[/]"
        )
    started = time.monotonic()
    results = Bench(seconds, rounds, args.out, ratio_rounds, ratio_seconds).run()
    results["growth"] = bench_growth.run(args.out / "growth", min(seconds, 2), rounds, args.tiny)
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
