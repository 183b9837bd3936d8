"""Order endpoints: ``POST /orders`` reserves at Inventory, then stores the order."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, json, request

from service_kit.problem import problem
from service_kit.prometheus import exposition

from .inventory_client import InventoryError
from .token_cache import AuthServerUnavailable, TokenRefused

bp = Blueprint("orders", __name__)
MAX_QUANTITY = 10_000


@bp.post("/orders")
def create_order():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Bad request body", 'Send a JSON object: {"sku", "quantity"}.')
    errors = _order_errors(body)
    if errors:
        return problem(422, "Invalid order", "; ".join(errors), errors=errors)
    orders = current_app.extensions["orders"]
    order_id = orders.new_id()
    try:
        current_app.extensions["inventory"].reserve(order_id, body["sku"], body["quantity"])
    except InventoryError as exc:
        return problem(exc.status, exc.title, exc.detail, upstream_status=exc.upstream_status)
    except AuthServerUnavailable as exc:
        return problem(503, "Authorization server unavailable", f"No valid access token and {exc}.")
    except TokenRefused as exc:
        return problem(502, "Authorization server refused our credentials", str(exc))
    order = orders.add(order_id, body["sku"], body["quantity"])
    return Response(json.dumps(order), status=201, content_type="application/json",
                    headers={"Location": f"/orders/{order_id}"})  # fmt: skip


@bp.get("/orders/<order_id>")
def get_order(order_id: str):
    order = current_app.extensions["orders"].get(order_id)
    if order is None:
        return problem(404, "Unknown order", f"No order {order_id!r}.")
    return order


def _order_errors(body: dict[str, Any]) -> list[str]:
    errors = []
    sku, quantity = body.get("sku"), body.get("quantity")
    if not isinstance(sku, str) or not 1 <= len(sku) <= 64 or not sku.isprintable():
        errors.append("sku must be a string of 1-64 printable characters")
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        errors.append(f"quantity must be a whole number from 1 to {MAX_QUANTITY}")
    return errors


@bp.get("/healthz")
def healthz():
    return {"status": "ok", "auth": current_app.extensions["inventory"].auth}


@bp.get("/metrics")
def prometheus():
    body, content_type = exposition()
    return Response(body, content_type=content_type)
