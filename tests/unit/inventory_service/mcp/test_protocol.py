"""What the MCP server advertises and how it words a tool's refusal.

The server is driven in-process by the SDK's own client over the 2025-11-25 initialize
handshake. Protocol errors (unknown tool, unoffered methods) and the 2026-07-28 wire are
checked on the real process over HTTP: tests/integration/test_mcp_conformance.py.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import anyio
import pytest
from mcp import Client

from inventory_service.api.stock import Stock
from inventory_service.db import Database
from inventory_service.mcp import tools
from inventory_service.mcp.app import INSTRUCTIONS
from inventory_service.mcp.protocol import SERVER_VERSION, InventoryMcpServer, describe

ROOT = Path(__file__).resolve().parents[4]
WIRES = ["legacy"]


@pytest.fixture
def server(tmp_path) -> InventoryMcpServer:
    server = InventoryMcpServer("inventory", instructions=INSTRUCTIONS)
    tools.register(server, Stock(Database(tmp_path / "inventory.db")))
    return server


def session(server: InventoryMcpServer, wire: str, action):
    """Connect the SDK client on ``wire``, run ``action(client)`` and return its result."""

    async def run():
        async with Client(server, mode=wire) as client:
            return await action(client)

    return anyio.run(run)


def attribute(name: str):
    """An action that reads what the client learnt while connecting."""

    async def read(client: Client):
        return getattr(client, name)

    return read


@pytest.mark.parametrize("wire", WIRES)
def test_only_the_tools_capability_is_advertised(server, wire):
    capabilities = session(server, wire, attribute("server_capabilities"))
    assert capabilities.tools is not None
    assert capabilities.tools.list_changed is False
    assert capabilities.prompts is None
    assert capabilities.resources is None
    assert capabilities.logging is None
    assert capabilities.completions is None


@pytest.mark.parametrize("wire", WIRES)
def test_server_info_carries_the_project_version(server, wire):
    info = session(server, wire, attribute("server_info"))
    assert (info.name, info.version) == ("inventory", SERVER_VERSION)


def test_server_version_is_the_pyproject_version():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == SERVER_VERSION


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    ("arguments", "text"),
    [
        # The quantity is judged by the domain's rules, as over REST (api/stock.py).
        ({"sku": "WIDGET-1", "quantity": 0, "order_id": "o-1"},
         "Error executing tool reserve_stock: quantity must be a whole number from 1 to 10000"),
        ({"sku": "WIDGET-1", "quantity": "lots"},
         "Invalid arguments for reserve_stock: order_id is required."),
        ({"sku": "W" * 65, "quantity": 1, "order_id": ""},
         "Invalid arguments for reserve_stock: sku must be at most 64 characters long; "
         "order_id must not be empty."),
    ],
)  # fmt: skip
def test_invalid_arguments_are_a_tool_error_in_our_own_words(server, wire, arguments, text):
    result = session(server, wire, lambda c: c.call_tool("reserve_stock", arguments))
    assert result.is_error is True
    assert [block.text for block in result.content] == [text]
    assert "pydantic" not in text


@pytest.mark.parametrize("wire", WIRES)
def test_an_anticipated_tool_failure_stays_a_tool_error(server, wire):
    result = session(server, wire, lambda c: c.call_tool("get_stock", {"sku": "NOPE"}))
    assert result.is_error is True
    assert result.content[0].text == "Error executing tool get_stock: No stock item 'NOPE'."


def test_an_unforeseen_validation_error_is_still_worded_without_library_text():
    error = {"loc": ("sku",), "type": "url_scheme", "msg": "URL scheme should be 'http'"}
    assert describe(error) == "sku has an invalid value"
