"""A smoke run of the MCP Inspector's CLI (``inspector --cli``) against the real MCP server.

The Inspector is what an MCP developer points at a server first: it lists and calls the
tools with a bearer header, and ``--strict`` reports tool schemas that other clients could
not use. Its version is pinned in tests/support/node/package-lock.json; its state goes to a
per-test home folder, never the developer's.
"""

from __future__ import annotations

import json
import subprocess

import pytest
import requests

from tests.support.mcp import McpStack, start_mcp_stack
from tests.support.node_tools import ensure_installed, package_bin, run_node

INSPECTOR = package_bin("@modelcontextprotocol/inspector", "clients/launcher/build/index.js")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    ensure_installed()
    started = []
    try:
        yield start_mcp_stack(tmp_path_factory.mktemp("mcp-inspector"), started)
    finally:
        for service in started:
            service.stop()


@pytest.fixture(scope="module")
def token(stack: McpStack) -> str:
    secret = stack.agents["inventory-agent"]["client_secret"]
    return requests.post(
        f"{stack.auth.url}/oauth/token",
        data={"grant_type": "client_credentials", "resource": stack.url,
              "scope": "inventory:read inventory:write"},
        auth=("inventory-agent", secret), timeout=5,
    ).json()["access_token"]  # fmt: skip


def inspector(stack: McpStack, tmp_path, *args: str, token: str | None = None):
    header = ["--header", f"Authorization: Bearer {token}"] if token else []
    return run_node(INSPECTOR, "--cli", stack.url, *header, *args,
                    env={"HOME": str(tmp_path)}, timeout=60)  # fmt: skip


def error_of(out: subprocess.CompletedProcess) -> dict:
    return json.loads(out.stderr.strip().splitlines()[-1])["error"]


def test_the_inspector_lists_the_tools_and_strict_finds_no_schema_problem(stack, token, tmp_path):
    out = inspector(stack, tmp_path, "--method", "tools/list", "--strict", token=token)
    assert out.returncode == 0, out.stdout + out.stderr
    tools = json.loads(out.stdout)["tools"]
    assert [t["name"] for t in tools] == ["list_inventory", "get_stock", "reserve_stock"]
    assert out.stderr.strip() == ""


def test_the_inspector_calls_a_tool_with_a_bearer_header(stack, token, tmp_path):
    out = inspector(stack, tmp_path, "--method", "tools/call", "--tool-name", "reserve_stock",
                    "--tool-arg", "sku=GADGET-2", "quantity=2", "order_id=inspector-1",
                    token=token)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    result = json.loads(out.stdout)
    assert result["isError"] is False
    assert result["structuredContent"] == {
        "order_id": "inspector-1", "sku": "GADGET-2", "quantity": 2, "created": True,
    }  # fmt: skip


def test_the_inspector_shows_invalid_arguments_in_our_words(stack, token, tmp_path):
    out = inspector(stack, tmp_path, "--method", "tools/call", "--tool-name", "reserve_stock",
                    "--tool-arg", "sku=GADGET-2", "quantity=0", "order_id=inspector-2",
                    token=token)  # fmt: skip
    assert out.returncode == 5
    assert json.loads(out.stdout)["content"] == [
        {
            "type": "text",
            # The domain judges the quantity, in the same words as REST (api/stock.py).
            "text": "Error executing tool reserve_stock: quantity must be a whole number"
            " from 1 to 10000",
        }
    ]
    assert error_of(out)["code"] == "tool_is_error"


def test_the_inspector_without_a_token_is_sent_to_authenticate(stack, tmp_path):
    out = inspector(stack, tmp_path, "--method", "tools/list")
    assert out.returncode == 3
    assert error_of(out)["code"] == "auth_required"
