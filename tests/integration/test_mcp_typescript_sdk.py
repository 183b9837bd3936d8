"""TypeScript SDK agents (1.x and the 2.x client line) against the real AS and MCP server.

tests/support/node/sdk-agent.mjs is an agent on the SDK's own client-credentials providers
(a client secret, or ``private_key_jwt`` with an ES256 key), given only the MCP URL, its
credentials and the issuer they belong to. Versions: tests/support/node/package-lock.json.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.mcp import McpStack, start_mcp_stack
from tests.support.node_tools import ensure_installed, run_node

TOOLS = ["get_stock", "list_inventory", "reserve_stock"]
SDKS = ["1", "2"]
STEP_UP = (
    '← 403  WWW-Authenticate: Bearer error="insufficient_scope", '
    'scope="inventory:read inventory:write", resource_metadata="{mcp}'
    '/.well-known/oauth-protected-resource/mcp"'
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    ensure_installed()
    started = []
    try:
        yield start_mcp_stack(tmp_path_factory.mktemp("mcp-ts"), started)
    finally:
        for service in started:
            service.stop()


def run_agent(
    stack: McpStack, sdk: str, client_id: str, order_id: str
) -> subprocess.CompletedProcess:
    agent = stack.agents[client_id]
    args = ["--sdk", sdk, "--url", stack.url, "--issuer", stack.issuer,
            "--client-id", client_id, "--order-id", order_id]  # fmt: skip
    env = {}
    if "private_key_file" in agent:
        args += ["--key-file", agent["private_key_file"]]
    else:
        args += ["--secret-env", "AGENT_CLIENT_SECRET"]
        env["AGENT_CLIENT_SECRET"] = agent["client_secret"]
    return run_node("sdk-agent.mjs", *args, env=env, timeout=60)


def result_of(out: subprocess.CompletedProcess) -> dict:
    line = next(x for x in out.stdout.splitlines() if x.startswith("result: "))
    return json.loads(line[len("result: ") :])


def requests_made(out: subprocess.CompletedProcess) -> list[str]:
    return [x.strip()[2:] for x in out.stdout.splitlines() if x.strip().startswith("→ ")]


@pytest.mark.parametrize("client_id", ["inventory-agent", "inventory-agent-jwt"])
@pytest.mark.parametrize("sdk", SDKS)
def test_the_typescript_agent_discovers_the_as_from_the_mcp_url_and_reserves(stack, sdk, client_id):
    out = run_agent(stack, sdk, client_id, f"ts{sdk}-{client_id}")
    assert out.returncode == 0, out.stdout + out.stderr
    result = result_of(out)
    assert result["server"] == {"name": "inventory", "version": "0.1.0"}
    assert result["tools"] == TOOLS
    assert result["reserve_stock"] == {
        "order_id": f"ts{sdk}-{client_id}", "sku": "WIDGET-1", "quantity": 1, "created": True,
    }  # fmt: skip
    assert result["get_stock_again"]["quantity"] == result["get_stock"]["quantity"] - 1
    mcp, auth = stack.mcp.url, stack.auth.url
    # 401 → RFC 9728 → RFC 8414 → token → MCP: nothing but the MCP URL was configured.
    assert requests_made(out)[:5] == [
        f"POST {mcp}/mcp",
        f"GET {mcp}/.well-known/oauth-protected-resource/mcp",
        f"GET {auth}/.well-known/oauth-authorization-server",
        f"POST {auth}/oauth/token",
        f"POST {mcp}/mcp",
    ]
    assert (
        '← 401  WWW-Authenticate: Bearer scope="inventory:read", '
        f'resource_metadata="{mcp}/.well-known/oauth-protected-resource/mcp"' in out.stdout
    )


def test_the_2x_client_steps_up_from_read_to_write(stack):
    out = run_agent(stack, "2", "inventory-agent", "ts2-step-up")
    assert out.returncode == 0, out.stdout + out.stderr
    after_reserve = out.stdout.split("tools/call reserve_stock", 1)[1]
    assert after_reserve.lstrip().startswith(
        f"→ POST {stack.url}\n  " + STEP_UP.format(mcp=stack.mcp.url)
    )
    assert f"→ POST {stack.auth.url}/oauth/token\n  ← 200" in after_reserve
    assert result_of(out)["reserve_stock"]["created"] is True


@pytest.mark.parametrize(
    ("sdk", "refusal"),
    [("1", "StreamableHTTPError: Streamable HTTP error: Server returned 403 after trying upscoping"),
     # The AS narrows a request beyond the client's scopes (RFC 6749 §3.3, docs/decisions.md),
     # so the 2.x client steps up once, gets a read-only token again, and stops.
     ("2", "SdkHttpError: Server returned 403 insufficient_scope after step-up"
           " re-authorization (retry limit 1 reached)")],
)  # fmt: skip
def test_the_read_only_agent_is_refused_the_write_and_keeps_reading(stack, sdk, refusal):
    out = run_agent(stack, sdk, "readonly-agent", f"ts{sdk}-readonly")
    assert out.returncode == 1
    result = result_of(out)
    assert result["tools"] == TOOLS
    assert "reserve_stock" not in result
    assert result["reserve_error"] == refusal
    assert STEP_UP.format(mcp=stack.mcp.url) in out.stdout
    # The same session still reads after the refusal.
    assert result["get_stock_again"] == result["get_stock"]
