"""The MCP server (phase 5) on the real compose stack: the SDK agent inside the network, refusals from outside.

The agent runs as the compose ``agent`` service (profile ``agent``), so it reaches the AS and
the MCP server through the TLS proxy by the names in their URLs (``https://auth.localhost:8443``,
``https://mcp.localhost:8446/mcp``); from the host the tests use the proxy's published port.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
import requests

from tests.support.processes import wait_until

from .conftest import ISSUER, ROOT

pytestmark = pytest.mark.e2e
MCP_RESOURCE = "https://mcp.localhost:8446/mcp"
LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


@pytest.fixture(scope="module")
def mcp_url(stack):
    return stack.urls["mcp"]


def agent(stack, *args: str) -> subprocess.CompletedProcess:
    cmd = [*stack.compose.compose_command_property, "--profile", "agent",
           "run", "--rm", "--no-deps", "-T", "agent", *args]  # fmt: skip
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def result_of(out: subprocess.CompletedProcess) -> dict:
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    line = next(x for x in out.stdout.splitlines() if x.startswith("result: "))
    return json.loads(line[len("result: ") :])


@pytest.mark.parametrize("flags", [[], ["--private-key-jwt"]], ids=["basic", "private_key_jwt"])
def test_the_agent_discovers_lists_and_reserves_through_mcp(stack, flags):
    order_id = f"e2e-{uuid.uuid4().hex[:8]}"
    out = agent(stack, *flags, "--order-id", order_id)
    result = result_of(out)
    assert result["tools"] == ["get_stock", "list_inventory", "reserve_stock"]
    assert result["reserve_stock"]["created"] is True
    assert "GET https://mcp.localhost:8446/.well-known/oauth-protected-resource/mcp" in out.stdout
    assert "POST https://auth.localhost:8443/oauth/token" in out.stdout


def test_the_read_only_agent_is_refused_on_reserve_stock_and_reads_again(stack):
    out = agent(stack, "--client-id", "readonly-agent", "--order-id", "never")
    assert out.returncode == 0, out.stdout + out.stderr
    assert 'Bearer error="insufficient_scope", scope="inventory:read inventory:write"' in out.stdout
    # The step-up asks for read and write; the AS grants what the client holds (RFC 6749 §3.3).
    assert "granted scope: inventory:read\n" in out.stdout
    assert "refused, as expected for a client without inventory:write: " in out.stdout
    result = result_of(out)
    assert "refused" in result["reserve_stock"]
    assert result["get_stock_again"]["sku"] == "WIDGET-1"


def test_an_api_key_is_refused_at_mcp_with_the_oauth_pointer(stack, mcp_url):
    resp = requests.post(f"{mcp_url}/mcp", json=LIST_TOOLS, headers=stack.key("reporting-job"),
                         timeout=10)  # fmt: skip
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == (
        'Bearer scope="inventory:read", '
        'resource_metadata="https://mcp.localhost:8446/.well-known/oauth-protected-resource/mcp"'
    )
    assert resp.json()["authorization_servers"] == [ISSUER]


def test_the_rest_token_is_refused_at_mcp(stack, mcp_url):
    resp = requests.post(f"{mcp_url}/mcp", json=LIST_TOOLS, headers=stack.bearer("order-service"),
                         timeout=10)  # fmt: skip
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert resp.json()["error_description"] == "The token is meant for another resource."


def test_mcp_calls_reach_metrics_and_the_dashboard(stack, mcp_url):
    result_of(agent(stack, "--order-id", f"e2e-{uuid.uuid4().hex[:8]}"))
    metrics = requests.get(f"{mcp_url}/metrics", timeout=10).text
    assert 'client_id="inventory-agent",outcome="accepted",tool="reserve_stock"' in metrics

    def mcp_rows():
        body = stack.inventory("GET", "/admin/auth-usage", headers=stack.bearer("platform-admin"))
        return {(r["client_id"], r["tool"]): r for r in body.json()["mcp_tools"]}

    rows = wait_until(
        lambda: (r := mcp_rows()).get(("inventory-agent", "reserve_stock")) and r,
        timeout=5.0,
        what="the ledger to show the agent's reserve_stock",
    )
    assert rows[("inventory-agent", "reserve_stock")]["accepted"] >= 1
    page = stack.inventory("GET", "/admin/dashboard").text
    # One row per agent, its tools side by side (the table fits a projector).
    assert "<td><code>inventory-agent</code></td>" in page
    assert "<code>reserve_stock</code>" in page
