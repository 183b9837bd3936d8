"""The MCP tools: the REST API's operations, on the same store and with the same rules.

``list_inventory`` and ``get_stock`` need ``inventory:read``, ``reserve_stock`` needs
``inventory:write`` (enforced by ``gate.py`` before the SDK runs, so a client can step up).
A reservation is validated by the domain (``api.stock.reservation_errors``) and is
idempotent per (client, order id) exactly as over REST: the client is the
token's ``client_id``, which the gate hands over in the request state. Anticipated failures
(unknown SKU, not enough stock, order id reused) are ``ToolError``: an ``isError`` result
the model can read, not a protocol error.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field, WithJsonSchema

from ..api.stock import (
    MAX_QUANTITY,
    OrderIdReused,
    OutOfStock,
    ReservationReleased,
    StockStore,
    UnknownSku,
    reservation_errors,
)

READ, WRITE = "inventory:read", "inventory:write"
TOOL_SCOPES = {"list_inventory": READ, "get_stock": READ, "reserve_stock": WRITE}
# Advertised as an integer, but taken as sent: the domain's ``reservation_errors`` judges it,
# so "2" and true are refused here exactly as over REST (pydantic would coerce both).
Quantity = Annotated[
    Any, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY})
]


def register(server: MCPServer, stock: StockStore) -> None:
    @server.tool(annotations=ToolAnnotations(readOnlyHint=True))
    def list_inventory() -> dict[str, Any]:
        """List every stock item with its quantity."""
        return {"items": stock.all()}

    @server.tool(annotations=ToolAnnotations(readOnlyHint=True))
    def get_stock(sku: Annotated[str, Field(max_length=64)]) -> dict[str, Any]:
        """The stock level of one SKU."""
        try:
            return stock.get(sku)
        except UnknownSku:
            raise ToolError(f"No stock item {sku!r}.") from None

    @server.tool(annotations=ToolAnnotations(readOnlyHint=False, idempotentHint=True))
    def reserve_stock(
        sku: Annotated[str, Field(max_length=64)],
        quantity: Quantity,
        order_id: Annotated[str, Field(min_length=1, max_length=64)],
        ctx: Context,
    ) -> dict[str, Any]:
        """Reserve stock for an order; calling again with the same order id changes nothing."""
        errors = reservation_errors(order_id, quantity)
        if errors:
            raise ToolError("; ".join(errors))
        client_id = ctx.request_context.request.state.principal.client_id
        try:
            reservation = stock.reserve(client_id, order_id, sku, quantity)
        except UnknownSku:
            raise ToolError(f"No stock item {sku!r}.") from None
        except OutOfStock as exc:
            raise ToolError(f"Not enough stock: {exc.available} left of {sku}.") from None
        except OrderIdReused:
            raise ToolError("This order id already reserved something else.") from None
        except ReservationReleased:
            raise ToolError(
                "This order id's reservation was released; use a new order id."
            ) from None
        return {
            "order_id": reservation.order_id,
            "sku": reservation.sku,
            "quantity": reservation.quantity,
            "created": reservation.created,
        }
