"""Phase 5's cost: MCP ``tools/call get_stock`` against REST ``GET /inventory/<sku>``.

Both with a cached token, both on the same data, both with as many processes: the REST API's
gunicorn workers and as many uvicorn processes for the MCP server
(``INVENTORY_MCP_WORKERS``), so the ratio compares the two protocols' cost per call, not one
core against two. Like the other goal ratios it is the median of paired rounds, REST then MCP
back to back (``bench_load.paired_ratio``), so the machine's drift weighs on both sides alike.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import requests

from .bench_load import load, paired_ratio

if TYPE_CHECKING:
    from .bench import Bench
    from .local_stack import LocalStack

MCP = "inventory_service.mcp"
REST_PATH = "/inventory/WIDGET-1"
CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "get_stock", "arguments": {"sku": "WIDGET-1"}}}  # fmt: skip


def agent_token(bench: Bench) -> str:
    """The read-only agent's token for the MCP URL (its audience), as the agent gets it."""
    stack = bench.stack
    secret = stack.credentials()["agents"]["inventory-agent"]["client_secret"]
    resp = requests.post(
        f"{stack.issuer}/oauth/token",
        data={"grant_type": "client_credentials", "resource": stack.mcp_resource,
              "scope": "inventory:read"},
        auth=("inventory-agent", secret), timeout=10,
    )  # fmt: skip
    resp.raise_for_status()
    return resp.json()["access_token"]


def configure(stack: LocalStack) -> None:
    """Before the stack starts: as many MCP processes as the REST API has workers. Set at
    the start rather than by a restart, because the processes boot side by side with the
    other services (spawned interpreters importing the SDK: 20 s and more on a busy machine)."""
    stack.extra_env[MCP] = {
        **stack.extra_env.get(MCP, {}),
        "INVENTORY_MCP_WORKERS": str(stack.workers),
    }


def measure(bench: Bench) -> None:
    """Paired rounds of REST then MCP; the figures go into ``bench.results``."""
    stack = bench.stack
    workers = int(stack.env(MCP)["INVENTORY_MCP_WORKERS"])
    mcp = {
        "method": "POST",
        "headers": {
            "Authorization": f"Bearer {agent_token(bench)}",
            "Accept": "application/json, text/event-stream",
        },
        "body": json.dumps(CALL),
    }
    rest = {"headers": {"Authorization": f"Bearer {bench.token('order-service')}"}}
    warm_up = min(1, bench.seconds)  # every process started and every token cached
    load(stack, MCP, "/mcp", warm_up, **mcp)
    load(stack, "inventory_service", REST_PATH, warm_up, **rest)
    pairs, cpu = [], []
    for _ in range(bench.ratio_rounds):
        r_run = load(stack, "inventory_service", REST_PATH, bench.ratio_seconds, **rest)
        m_run = load(stack, MCP, "/mcp", bench.ratio_seconds, **mcp)
        bench.record("rest_token_get_sku", r_run)
        bench.record("mcp_tools_call_get_stock", m_run)
        pairs.append(m_run.rps / r_run.rps)
        cpu.append((m_run.server_cpu_us_per_request, r_run.server_cpu_us_per_request))
    results = bench.results
    results["mcp_workers"] = workers
    results["mcp_vs_rest_token_throughput_ratio"] = paired_ratio(pairs)
    results["mcp_vs_rest_ratio_per_round"] = [round(p, 3) for p in pairs]
    results["mcp_server_cpu_us_per_call"] = _median([m for m, _ in cpu])
    results["rest_server_cpu_us_per_call"] = _median([r for _, r in cpu])


def _median(values: list[float | None]) -> float | None:
    """The median of the rounds' figures; None where the machine cannot measure CPU."""
    known = sorted(v for v in values if v is not None)
    return known[len(known) // 2] if known else None
