"""The MCP tools judge a reservation by the domain's rules, exactly as the REST API does."""

from __future__ import annotations

import anyio
import pytest
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from inventory_service.api.stock import MAX_QUANTITY, Stock
from inventory_service.db import Database
from inventory_service.mcp import tools


@pytest.fixture
def stock(tmp_path):
    return Stock(Database(tmp_path / "inventory.db"))


@pytest.fixture
def server(stock):
    server = MCPServer("inventory-test")
    tools.register(server, stock)
    return server


def reserve(server, **arguments):
    return anyio.run(server.call_tool, "reserve_stock", arguments)


@pytest.mark.parametrize("quantity", ["2", True, 0, MAX_QUANTITY + 1, 1.5])
def test_a_quantity_rest_refuses_is_a_tool_error_and_reserves_nothing(server, stock, quantity):
    before = stock.get("WIDGET-1")["quantity"]
    with pytest.raises(
        ToolError, match=f"quantity must be a whole number from 1 to {MAX_QUANTITY}"
    ):
        reserve(server, sku="WIDGET-1", quantity=quantity, order_id="order-1")
    assert stock.get("WIDGET-1")["quantity"] == before


def test_the_quantity_is_still_advertised_as_a_bounded_integer(server):
    listed = anyio.run(server.list_tools)
    schema = next(t for t in listed if t.name == "reserve_stock").input_schema
    quantity = schema["properties"]["quantity"]
    assert (quantity["type"], quantity["minimum"], quantity["maximum"]) == (
        "integer",
        1,
        MAX_QUANTITY,
    )
    assert "quantity" in schema["required"]
