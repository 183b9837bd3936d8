"""``make bench``'s PostgreSQL column: the same paths on SQLite and on PostgreSQL, in one run.

A second stack runs beside the bench's SQLite one, with ``INVENTORY_DATABASE_URL`` and
``ORDER_DATABASE_URL`` naming databases on a private PostgreSQL server (Debian's package, on
a Unix socket: ``postgres_server.py``, the tests' server). The AS stays on SQLite: none of
the paths measured reaches it after the first token. Three paths, each in paired rounds
(SQLite, then PostgreSQL, moments apart: ``paired_ratio``):

* the key path, ``GET /inventory/<sku>`` with ``X-API-Key`` (PostgreSQL: the key and the
  stock row; the change counter once per process per 100 ms, ``service_kit/postgres.py``);
* the cached-token path, the same with a bearer token (the stock row);
* orders, ``POST /orders`` through Order on its key to Inventory.

Throughput is reported as PostgreSQL / SQLite. Server CPU per request counts every process
the request runs in: the loaded service, Inventory too for orders, and on PostgreSQL the
database server's processes, which do work the SQLite path does inside the service.
Without PostgreSQL installed the rows say so and are skipped; the rest of the bench runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from .bench_load import SKU_STOCK, Load, load, paired_ratio, service_cpu, stack_token
from .local_stack import PORTS, LocalStack
from .postgres_server import PostgresServer, find_bin_dir
from .stack import free_ports

if TYPE_CHECKING:
    from .bench import Bench

PATHS = ("key", "token", "orders")
GOALS = [
    ("pg_vs_sqlite_token_throughput_ratio", "≥ 0.75 (cached-token Inventory path)"),
    ("pg_vs_sqlite_key_throughput_ratio", ""),
    ("pg_vs_sqlite_orders_throughput_ratio", ""),
    ("pg_vs_sqlite_server_cpu_ratio", "(service + database CPU per request)"),
    ("pg_server_cpu_us_per_request", "(SQLite / PostgreSQL / of which the database)"),
]
SKIPPED = "PostgreSQL is not installed (apt-get install postgresql): PostgreSQL rows skipped"


def compare(bench: Bench, state: Path) -> None:
    """Fill ``bench.results`` with the PostgreSQL / SQLite figures, or say they are skipped."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        print(SKIPPED)
        bench.results["postgres_skipped"] = SKIPPED
        for name, _ in GOALS:
            bench.results[name] = None
        return
    started = time.monotonic()
    server = PostgresServer(bin_dir)
    server.start()
    pg = None
    try:
        urls = {name: _database(server, name) for name in ("inventory", "orders")}
        pg = _postgres_stack(state, urls["inventory"], urls["orders"])
        _measure(bench, bench.stack, pg, server)
    finally:
        if pg is not None:
            pg.close()
        server.remove()
    bench.results["postgres_wall_seconds"] = round(time.monotonic() - started, 1)


def _database(server: PostgresServer, name: str) -> str:
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


def _postgres_stack(state: Path, inventory_url: str, order_url: str) -> LocalStack:
    ports = dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
    inventory = {"INVENTORY_DATABASE_URL": inventory_url}
    stack = LocalStack(
        state=state,
        ports=ports,
        extra_env={
            "inventory_service": inventory,
            "inventory_service.mcp": inventory,
            "order_service": {"ORDER_DATABASE_URL": order_url},
        },
    )
    stack.bootstrap()
    stack.start()
    return stack


def _measure(bench: Bench, sqlite: LocalStack, pg: LocalStack, server: PostgresServer) -> None:
    stacks = {"sqlite": sqlite, "postgres": pg}
    for stack in stacks.values():
        inventory = stack.cli("inventory_service")
        inventory.run("auth-mode", "set", "dual").check_returncode()
        inventory.run("stock", "set", "WIDGET-1", SKU_STOCK).check_returncode()
    runs = {engine: _paths(stack) for engine, stack in stacks.items()}
    database = {"sqlite": lambda: 0.0, "postgres": server.cpu_seconds}
    for engine in stacks:  # warm-up: connections, pools, the token caches
        for run in runs[engine].values():
            run(min(1, bench.seconds))
    pairs: dict[str, list[float]] = {path: [] for path in PATHS}
    # Over all rounds, per path and engine: CPU seconds (all processes), of which the
    # database's, and requests; per request = their quotient, so no round is picked.
    spent = {(path, engine): [0.0, 0.0, 0] for path in PATHS for engine in stacks}
    cpu_known = True
    for _ in range(bench.ratio_rounds):
        for path in PATHS:
            rps = {}
            for engine in stacks:
                before = database[engine]()
                run, extra_cpu = runs[engine][path](bench.ratio_seconds)
                db_cpu = database[engine]() - before
                bench.record(f"{engine}_{path}", run)
                cpu_known = cpu_known and run.server_cpu_s is not None
                rps[engine] = run.rps
                total = spent[(path, engine)]
                total[0] += (run.server_cpu_s or 0) + extra_cpu + db_cpu
                total[1] += db_cpu
                total[2] += run.requests
            pairs[path].append(rps["postgres"] / rps["sqlite"])
    cpu = {
        path: {
            "sqlite": _us_per_request(spent[(path, "sqlite")], 0),
            "postgres": _us_per_request(spent[(path, "postgres")], 0),
            "postgres_database": _us_per_request(spent[(path, "postgres")], 1),
        }
        for path in PATHS
    }
    for path in PATHS:
        bench.results[f"pg_vs_sqlite_{path}_throughput_ratio"] = paired_ratio(pairs[path])
        bench.results[f"pg_vs_sqlite_{path}_ratio_per_round"] = [round(r, 3) for r in pairs[path]]
    if not cpu_known:  # no process-CPU source here (/proc hidden): never a fake ratio
        bench.results["pg_vs_sqlite_server_cpu_ratio"] = dict.fromkeys(PATHS)
        bench.results["pg_server_cpu_us_per_request"] = dict.fromkeys(PATHS, "unmeasured")
        return
    bench.results["pg_vs_sqlite_server_cpu_ratio"] = {
        path: round(cpu[path]["postgres"] / cpu[path]["sqlite"], 2) for path in PATHS
    }
    bench.results["pg_server_cpu_us_per_request"] = {
        path: f"{cpu[path]['sqlite']:.0f} / {cpu[path]['postgres']:.0f}"
        f" / {cpu[path]['postgres_database']:.0f}"
        for path in PATHS
    }


def _us_per_request(spent: list, part: int) -> float:
    """``spent`` = [CPU s, of which the database's, requests]: ``part`` in µs per request."""
    return spent[part] * 1e6 / max(1, spent[2])


def _paths(stack: LocalStack) -> dict[str, Callable[[float], tuple[Load, float]]]:
    """Per path: run it for some seconds → (the load, CPU seconds of the other services)."""
    key = {"X-API-Key": stack.credentials()["api_keys"]["order-service"]}
    bearer = {"Authorization": f"Bearer {stack_token(stack, 'order-service')}"}
    sku = "/inventory/WIDGET-1"
    order = json.dumps({"sku": "WIDGET-1", "quantity": 1})

    def inventory(headers: dict[str, str]) -> Callable[[float], tuple[Load, float]]:
        return lambda seconds: (load(stack, "inventory_service", sku, seconds, headers=headers), 0)

    def orders(seconds: float) -> tuple[Load, float]:
        before = service_cpu(stack, "inventory_service") or 0.0
        run = load(stack, "order_service", "/orders", seconds, method="POST", body=order)
        return run, (service_cpu(stack, "inventory_service") or 0.0) - before

    return {"key": inventory(key), "token": inventory(bearer), "orders": orders}
