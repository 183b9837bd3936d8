"""The agent on the pinned SDK (2.x) against a real AS and the real MCP server process.

Both client-authentication methods, discovery from the MCP URL alone, step-up to the write
scope, the read-only agent refused, and the refusals a raw HTTP client gets at ``/mcp``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests

from tests.support.mcp import McpStack, create_client, start_mcp_stack
from tests.support.processes import ROOT, wait_until

TOOLS = ["get_stock", "list_inventory", "reserve_stock"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    started = []
    try:
        yield start_mcp_stack(tmp_path_factory.mktemp("mcp"), started)
    finally:
        for service in started:
            service.stop()


def run_agent(stack: McpStack, *args: str, client_id: str = "inventory-agent", python=None):
    env = {**os.environ}
    extra = ["--client-id", client_id]
    agent = stack.agents[client_id]
    if "private_key_file" in agent:
        extra += ["--private-key", agent["private_key_file"]]
    else:
        env["AGENT_CLIENT_SECRET"] = agent["client_secret"]
    return subprocess.run(
        [python or sys.executable, "-m", "scripts.agent", "--url", stack.url,
         "--issuer", stack.issuer, *extra, *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def result_of(out: subprocess.CompletedProcess) -> dict:
    assert out.returncode == 0, out.stdout + out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("result: "))
    return json.loads(line[len("result: ") :])


def requests_made(out: subprocess.CompletedProcess) -> list[str]:
    return [x.strip()[2:] for x in out.stdout.splitlines() if x.strip().startswith("→ ")]


@pytest.mark.parametrize("client_id", ["inventory-agent", "inventory-agent-jwt"])
def test_the_agent_discovers_everything_from_the_mcp_url_and_reserves(stack, client_id):
    out = run_agent(stack, "--order-id", f"order-{client_id}", client_id=client_id)
    result = result_of(out)
    assert result["tools"] == TOOLS
    assert result["get_stock"]["sku"] == "WIDGET-1"
    assert result["reserve_stock"] == {
        "order_id": f"order-{client_id}", "sku": "WIDGET-1", "quantity": 1, "created": True,
    }  # fmt: skip
    made = requests_made(out)
    mcp, auth = stack.mcp.url, stack.auth.url
    # 401 → RFC 9728 → RFC 8414 → token → MCP, in that order.
    assert made[:5] == [
        f"POST {mcp}/mcp",
        f"GET {mcp}/.well-known/oauth-protected-resource/mcp",
        f"GET {auth}/.well-known/oauth-authorization-server",
        f"POST {auth}/oauth/token",
        f"POST {mcp}/mcp",
    ]
    # The only thing sent to the MCP server besides /mcp is the public metadata request: the
    # client secret or assertion goes to the AS's token endpoint and nowhere else.
    to_mcp = {m for m in made if m.split(" ", 1)[1].startswith(mcp)}
    assert to_mcp == {f"POST {mcp}/mcp", f"GET {mcp}/.well-known/oauth-protected-resource/mcp"}
    assert '← 403  WWW-Authenticate: Bearer error="insufficient_scope"' in out.stdout


def test_a_replayed_order_id_reserves_once(stack):
    first = result_of(run_agent(stack, "--order-id", "replayed", "--sku", "GADGET-2"))
    again = result_of(run_agent(stack, "--order-id", "replayed", "--sku", "GADGET-2"))
    assert first["reserve_stock"]["created"] is True
    assert again["reserve_stock"]["created"] is False
    assert again["get_stock"]["quantity"] == first["get_stock"]["quantity"] - 1


def test_the_read_only_agent_reads_is_refused_a_write_and_reads_again(stack):
    out = run_agent(stack, client_id="readonly-agent")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "tools: get_stock, list_inventory, reserve_stock" in out.stdout
    assert (
        '← 403  WWW-Authenticate: Bearer error="insufficient_scope", '
        'scope="inventory:read inventory:write"' in out.stdout
    )
    # Its step-up asks for read and write; the AS grants what it holds and says so (§3.3).
    assert out.stdout.count("granted scope: inventory:read\n") == 2
    assert "refused, as expected for a client without inventory:write: " in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    result = result_of(out)
    assert "refused" in result["reserve_stock"]
    assert result["get_stock_again"]["sku"] == "WIDGET-1"


def test_an_api_key_gets_a_401_that_says_mcp_needs_oauth(stack):
    key = json.loads(stack.inventory_cli("api-keys", "create", "reporting-job", "--scope",
                                         "inventory:read"))["api_key"]  # fmt: skip
    resp = requests.post(stack.url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                         headers={"X-API-Key": key}, timeout=5)  # fmt: skip
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == (
        f'Bearer scope="inventory:read", resource_metadata="{stack.mcp.url}'
        '/.well-known/oauth-protected-resource/mcp"'
    )
    assert resp.json()["authorization_servers"] == [stack.issuer]


def test_a_token_for_the_rest_api_is_refused_at_mcp(stack):
    secret = create_client(stack, "order-service", "inventory:read", "http://inventory.test")
    token = requests.post(
        f"{stack.auth.url}/oauth/token", data={"grant_type": "client_credentials"},
        auth=("order-service", secret), timeout=5,
    ).json()["access_token"]  # fmt: skip
    resp = requests.post(stack.url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=5)  # fmt: skip
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert resp.json()["error_description"] == "The token is meant for another resource."


def test_resource_metadata_names_the_mcp_url_and_the_as(stack):
    meta = requests.get(
        f"{stack.mcp.url}/.well-known/oauth-protected-resource/mcp", timeout=5
    ).json()
    assert meta["resource"] == stack.url
    assert meta["authorization_servers"] == [stack.issuer]
    assert meta["scopes_supported"] == ["inventory:read", "inventory:write"]


def test_get_on_mcp_is_405(stack):
    resp = requests.get(stack.url, timeout=5)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "POST"


def test_a_foreign_host_header_is_refused_by_the_sdk_rebinding_check(stack):
    secret = stack.agents["inventory-agent"]["client_secret"]
    token = requests.post(
        f"{stack.auth.url}/oauth/token",
        data={"grant_type": "client_credentials", "resource": stack.url, "scope": "inventory:read"},
        auth=("inventory-agent", secret), timeout=5,
    ).json()["access_token"]  # fmt: skip
    resp = requests.post(
        stack.url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {token}", "Host": "evil.example",
                 "Accept": "application/json, text/event-stream"}, timeout=5,
    )  # fmt: skip
    assert resp.status_code == 421


def test_calls_show_in_metrics_and_in_the_ledger_per_client_and_tool(stack):
    run_agent(stack, "--order-id", "metrics-check")
    text = requests.get(f"{stack.mcp.url}/metrics", timeout=5).text
    assert (
        'inventory_mcp_calls_total{client_id="inventory-agent",outcome="accepted",'
        'tool="reserve_stock"}' in text
    )

    def ledger_rows():
        from inventory_service.db import Database
        from inventory_service.migration.ledger import ToolLedger

        rows = ToolLedger(Database(stack.data_dir / "inventory.db")).usage()
        return {(r["client_id"], r["tool"]): r for r in rows}

    rows = wait_until(
        lambda: (r := ledger_rows()).get(("inventory-agent", "reserve_stock")) and r,
        what="the MCP ledger to fold in the agent's calls",
    )
    assert rows[("inventory-agent", "reserve_stock")]["accepted"] >= 1
    assert rows[("inventory-agent", "reserve_stock")]["refused"] >= 1  # before the step-up
