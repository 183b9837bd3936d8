"""The MCP server on PostgreSQL (INVENTORY_DATABASE_URL): with the database gone it refuses
with a 503 problem+json, never a traceback, and recovers by itself."""

from __future__ import annotations

import json

import requests

from tests.support.mcp import start_mcp_stack
from tests.support.processes import run_cli, wait_until

CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "list_inventory", "arguments": {}}}  # fmt: skip


def _call(url: str, key: str) -> requests.Response:
    headers = {"X-API-Key": key, "Accept": "application/json, text/event-stream",
               "Connection": "close"}  # fmt: skip
    return requests.post(url, json=CALL, headers=headers, timeout=10)


def test_with_the_database_down_the_mcp_server_refuses_with_503_then_recovers(
    tmp_path, postgres_server, postgres_url
):
    started = []
    try:
        stack = start_mcp_stack(tmp_path, started, INVENTORY_DATABASE_URL=postgres_url)
        rest_env = {"INVENTORY_ISSUER": stack.issuer, "INVENTORY_RESOURCE": "http://inventory.test",
                    "INVENTORY_DATA_DIR": str(tmp_path / "rest"),
                    "INVENTORY_DATABASE_URL": postgres_url}  # fmt: skip
        key = json.loads(
            run_cli(
                "inventory_service",
                rest_env,
                "api-keys",
                "create",
                "reporting-job",
                "--scope",
                "inventory:read",
            ).stdout
        )["api_key"]
        assert _call(stack.url, key).status_code == 401  # a known key: told to use OAuth

        postgres_server.stop()
        try:
            down = _call(stack.url, key)
            assert down.status_code == 503
            assert down.headers["Content-Type"] == "application/problem+json"
            assert down.json()["title"] == "Database unavailable"
            assert requests.get(f"{stack.mcp.url}/healthz", timeout=10).status_code == 503
        finally:
            postgres_server.start()
        wait_until(
            lambda: requests.get(f"{stack.mcp.url}/healthz", timeout=10).status_code == 200,
            timeout=30, what="the MCP server healthy again",
        )  # fmt: skip
        assert _call(stack.url, key).status_code == 401
        assert "Traceback" not in stack.mcp.logs()
    finally:
        for service in started:
            service.stop()
