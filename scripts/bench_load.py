"""The bench's load: wrk (or a Python keep-alive generator) against one service, and the
server CPU each load cost, read from the service's processes.

Shared by every section of ``make bench`` (``bench.py``, ``bench_postgres.py``,
``bench_growth.py``, ``bench_mcp.py``); kept apart from ``bench.py`` so those sections import
it at their top rather than ``bench.py`` importing them and they it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .process_groups import cpu_seconds
from .stack import LocalStack, live_workers

CONNECTIONS = 16
GENERATOR = "auto"  # or "wrk" / "python": ``make bench --generator`` sets it
SKU_STOCK = "1000000000"


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


def service_cpu(stack: LocalStack, service: str) -> float | None:
    """CPU seconds used so far by a service's master and workers, or None if unknowable.

    Linux: every process in the master's process group, from ``/proc/<pid>/stat`` (clock
    ticks). Without ``/proc`` (macOS): ``ps -o time=`` on the master and the workers named
    by their marker files (macOS prints hundredths of a second).
    """
    master = stack.procs[service].pid
    if Path("/proc/self/stat").exists():
        return cpu_seconds(lambda _pid, _ppid, group: group == master)
    pids = {master} | live_workers(stack.state / service / "workers", master)
    try:
        ps = subprocess.run(
            ["ps", "-o", "time=", "-p", ",".join(map(str, sorted(pids)))],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None  # e.g. procps, which needs /proc itself
    return sum(_cpu_time(field) for field in ps.stdout.split())


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
        # wrk's default 2 s counts a slow answer as a failed request; at load 40 an order
        # took 2.09 s once and ended the whole run.
        "--timeout",
        "10s",
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
    server_before = service_cpu(stack, service)
    generator = GENERATOR if GENERATOR != "auto" else "wrk" if shutil.which("wrk") else "python"
    runner = _wrk if generator == "wrk" else _python_load
    figures, client_cpu = runner(url, method, headers, body, seconds)
    server_after = service_cpu(stack, service)
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


def metric_total(base_url: str, name: str) -> float:
    """The sum of a Prometheus metric's samples (every label set) at ``base_url/metrics``."""
    text = requests.get(f"{base_url}/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def settle(order_url: str) -> None:
    """Until Order's count of Inventory calls holds still for 0.2 s.

    wrk stops without waiting for its last requests, so Order may still be calling
    Inventory; a mode flip landing on such a call would refuse it (and, on tokens, cost a
    refetch that ``order_token_fetches_per_worker`` would count)."""
    before = None
    while (now := metric_total(order_url, "order_inventory_calls_total")) != before:
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
