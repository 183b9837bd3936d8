"""An AS, the Inventory's MCP server and the demo agents on free ports, for MCP tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from scripts.bootstrap import create_agents
from tests.support.processes import Service, free_port, run_cli


@dataclass
class McpStack:
    auth: Service
    mcp: Service
    agents: dict
    data_dir: Path

    @property
    def url(self) -> str:
        return f"{self.mcp.url}/mcp"

    @property
    def issuer(self) -> str:
        return self.auth.env["AUTH_ISSUER"]

    def inventory_cli(self, *args: str) -> str:
        env = {"INVENTORY_ISSUER": self.issuer, "INVENTORY_RESOURCE": "http://inventory.test",
               "INVENTORY_DATA_DIR": str(self.data_dir)}  # fmt: skip
        return run_cli("inventory_service", env, *args).stdout


def start_mcp_stack(
    tmp_path: Path, started: list[Service], mcp_port: int | None = None, **extra_env: str
) -> McpStack:
    """AS (2 workers) + MCP server sharing an Inventory data dir; agents registered.

    ``extra_env`` adds ``INVENTORY_MCP_*`` settings, e.g. the allowed hosts of a proxy.
    """
    auth_port, mcp_port = free_port(), mcp_port or free_port()
    issuer = f"http://127.0.0.1:{auth_port}"
    auth_env = {
        "AUTH_ISSUER": issuer,
        "AUTH_PORT": str(auth_port),
        "AUTH_DATA_DIR": str(tmp_path / "auth"),
        "AUTH_WORKERS": "2",
    }
    auth = Service("auth_server", auth_env, auth_port, tmp_path / "auth.log")
    started.append(auth)
    auth.start()
    mcp_url = f"http://127.0.0.1:{mcp_port}/mcp"
    agents = create_agents(lambda *a: run_cli("auth_server", auth_env, *a).stdout, mcp_url, tmp_path)  # fmt: skip
    data_dir = tmp_path / "inventory"
    mcp_env = {
        "INVENTORY_ISSUER": issuer,
        "INVENTORY_DATA_DIR": str(data_dir),
        "INVENTORY_MCP_RESOURCE": mcp_url,
        "INVENTORY_MCP_PORT": str(mcp_port),
        **extra_env,
    }
    mcp = Service("inventory_service.mcp", mcp_env, mcp_port, tmp_path / "mcp.log")
    started.append(mcp)
    mcp.start()
    return McpStack(auth, mcp, agents, data_dir)


def create_client(stack: McpStack, client_id: str, scope: str, resource: str) -> str:
    out = run_cli(
        "auth_server", stack.auth.env, "clients", "create", client_id,
        "--scope", scope, "--resource", resource,
    )  # fmt: skip
    return json.loads(out.stdout)["client_secret"]
