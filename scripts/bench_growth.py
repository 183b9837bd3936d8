"""The growth curve: what a request, a page and a command cost at 10, 1,000 and 10,000 clients.

One stack (AS + Inventory, real gunicorn processes) per scale, all three running at once,
each with that many registered clients and API keys and 30 days of usage written straight
into its databases (``bench_history.py``). The loads then take turns — each round runs
every path on every scale back to back — so the machine's drift weighs on all scales alike,
and each "10,000 vs 10" figure is the median of the per-round ratios (``paired_ratio``).

Measured per scale: server CPU per token at the AS's token endpoint, and per request at
Inventory with an API key and with a cached token; the dashboard page and
``GET /admin/cockpit`` (median wall ms of several requests); ``api-keys audit --json`` and
``api-keys purge --dry-run`` through the stack's warm CLI session; the database's size as
generated (30 days) and after the services' first fold has applied the retention.
"""

from __future__ import annotations

import base64
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .bench_history import add_clients, add_keys_and_usage, live_bytes
from .bench_load import load
from .local_stack import PORTS, LocalStack
from .process_groups import free_ports

SCALES = (10, 1_000, 10_000)
TINY_SCALES = (10, 100)
DAYS = 30
PAGE_REQUESTS = 5
SERVICES = ("auth_server", "inventory_service")
PATH = "/inventory/WIDGET-1"


class Scale:
    """One stack with ``clients`` clients and keys and their history."""

    def __init__(self, out: Path, clients: int) -> None:
        self.clients = clients
        ports = dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
        self.stack = LocalStack(state=out / f"clients-{clients}", ports=ports)
        self.figures: dict = {"clients": clients}

    def prepare(self) -> None:
        """Demo credentials, then generated clients, keys and usage up to ``clients``."""
        stack = self.stack
        stack.bootstrap()
        stack.close_clis()
        creds = stack.credentials()
        as_db = stack.state / "auth_server" / "auth.db"
        inventory_db = stack.state / "inventory_service" / "inventory.db"
        registered = len(creds["client_secrets"]) + len(creds.get("agents", {}))
        add_clients(as_db, max(0, self.clients - registered), stack.resource)
        add_keys_and_usage(inventory_db, max(0, self.clients - len(creds["api_keys"])), DAYS)
        self.figures["inventory_db_bytes_generated"] = live_bytes(inventory_db)
        self.figures["as_db_bytes"] = live_bytes(as_db)
        for package in SERVICES:
            stack.start_service(package)

    def token(self, client_id: str) -> str:
        secret = self.stack.credentials()["client_secrets"][client_id]
        resp = requests.post(
            f"{self.stack.issuer}/oauth/token",
            data={"grant_type": "client_credentials", "resource": self.stack.resource},
            auth=(client_id, secret),
            timeout=30,
        )
        resp.raise_for_status()
        return resp.json()["access_token"]

    def loads(self) -> dict[str, tuple[str, str, dict]]:
        """The three paths: (service, path, load keyword arguments)."""
        secret = self.stack.credentials()["client_secrets"]["catalog-reader"]
        basic = base64.b64encode(f"catalog-reader:{secret}".encode()).decode()
        key = self.stack.credentials()["api_keys"]["order-service"]
        return {
            "as_token": ("auth_server", "/oauth/token", {
                "method": "POST", "body": "grant_type=client_credentials",
                "headers": {"Authorization": f"Basic {basic}",
                            "Content-Type": "application/x-www-form-urlencoded"}}),
            "rs_api_key": ("inventory_service", PATH, {"headers": {"X-API-Key": key}}),
            "rs_cached_token": ("inventory_service", PATH, {
                "headers": {"Authorization": f"Bearer {self.token('order-service')}"}}),
        }  # fmt: skip

    def pages(self) -> None:
        """Median wall time of the dashboard and the cockpit JSON, after one warm-up each."""
        admin = {"Authorization": f"Bearer {self.token('platform-admin')}"}
        for name, path, headers in (
            ("dashboard_ms", "/admin/dashboard", {}),
            ("cockpit_ms", "/admin/cockpit", admin),
        ):
            times = []
            for _ in range(PAGE_REQUESTS + 1):
                started = time.perf_counter()
                resp = requests.get(self.stack.resource + path, headers=headers, timeout=120)
                resp.raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            self.figures[name] = round(statistics.median(times[1:]), 1)

    def commands(self) -> None:
        """``api-keys audit --json`` and ``purge --dry-run`` in the warm CLI session."""
        cli = self.stack.cli("inventory_service")
        cli.run("auth-mode", "show")  # the session's start-up, not a measurement
        for name, args, ok in (
            ("audit_s", ("api-keys", "audit", "--json"), (0,)),
            ("purge_dry_run_s", ("api-keys", "purge", "--dry-run", "--unused-for", "7d"), (0, 1)),
        ):
            started = time.perf_counter()
            result = cli.run(*args, timeout=300)
            self.figures[name] = round(time.perf_counter() - started, 3)
            if result.returncode not in ok:
                raise SystemExit(f"bench: {' '.join(args)} failed:\n{result.stderr[-2000:]}")
        inventory_db = self.stack.state / "inventory_service" / "inventory.db"
        self.figures["inventory_db_bytes_after_retention"] = live_bytes(inventory_db)


def run(out: Path, seconds: float, rounds: int, tiny: bool) -> dict:
    """Every scale's figures and, per path, the largest scale's CPU against the smallest's."""
    started = time.perf_counter()
    scales = [Scale(out, n) for n in (TINY_SCALES if tiny else SCALES)]
    try:
        with ThreadPoolExecutor(len(scales)) as pool:
            list(pool.map(Scale.prepare, scales))
        paths = {scale.clients: scale.loads() for scale in scales}
        cpu: dict[str, dict[int, list[float]]] = {}
        for _ in range(rounds):
            for name in paths[scales[0].clients]:
                for scale in scales:
                    service, path, kwargs = paths[scale.clients][name]
                    run_ = _retried(scale.stack, service, path, seconds, **kwargs)
                    cpu.setdefault(name, {}).setdefault(scale.clients, []).append(
                        run_.server_cpu_us_per_request
                    )
        for scale in scales:
            scale.pages()
            scale.commands()
    finally:
        for scale in scales:
            scale.stack.close()
    return {**_figures(scales, cpu), "wall_s": round(time.perf_counter() - started, 1)}


def _retried(*args, **kwargs):
    """``load`` again if a run failed: on a saturated shared machine wrk's 2 s socket
    timeout can fail a request the server answered (its access log shows every 200). A
    second failure ends the bench, as in ``bench_load.load``."""
    try:
        return load(*args, **kwargs)
    except SystemExit as failed:
        print(f"{failed}; running that load again")
        return load(*args, **kwargs)


def _figures(scales: list[Scale], cpu: dict[str, dict[int, list[float]]]) -> dict:
    small, large = scales[0].clients, scales[-1].clients
    result: dict = {"scales": [s.clients for s in scales], "days_of_history": DAYS}
    for name, per_scale in cpu.items():
        if any(v is None for values in per_scale.values() for v in values):
            result[f"{name}_cpu_us"] = None  # no process-CPU source on this machine
            continue
        result[f"{name}_cpu_us"] = {n: round(statistics.median(v)) for n, v in per_scale.items()}
        pairs = [b / a for a, b in zip(per_scale[small], per_scale[large], strict=True)]
        result[f"{name}_cpu_ratio_{large}_vs_{small}"] = round(statistics.median(pairs), 3)
    for figure in ("dashboard_ms", "cockpit_ms", "audit_s", "purge_dry_run_s"):
        result[figure] = {s.clients: s.figures[figure] for s in scales}
    generated = {s.clients: s.figures["inventory_db_bytes_generated"] for s in scales}
    kept = {s.clients: s.figures["inventory_db_bytes_after_retention"] for s in scales}
    result["inventory_db_bytes_generated"] = generated
    result["inventory_db_bytes_after_retention"] = kept
    result["as_db_bytes"] = {s.clients: s.figures["as_db_bytes"] for s in scales}
    result["db_bytes_per_client_per_day_generated"] = round(generated[large] / large / DAYS, 1)
    # What one more client adds, minus what the fixed part (stock, the minute series) holds.
    result["db_bytes_per_client_after_retention"] = round(
        (kept[large] - kept[small]) / (large - small), 1
    )
    return result
