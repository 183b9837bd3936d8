"""The Inventory API over HTTP: stock, reservations, health and metrics."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify, request

from service_kit.problem import problem
from service_kit.prometheus import exposition

from ..resource_server.require import require
from .readiness import not_ready_detail
from .stock import OrderIdReused, OutOfStock, StockStore, UnknownSku, reservation_errors

bp = Blueprint("inventory", __name__)


def _stock() -> StockStore:
    return current_app.extensions["stock"]


@bp.get("/inventory")
@require("inventory:read")
def list_stock():
    return {"items": _stock().all()}


@bp.get("/inventory/<sku>")
@require("inventory:read")
def get_stock(sku: str):
    try:
        return _stock().get(sku)
    except UnknownSku:
        return problem(404, "Unknown SKU", f"No stock item {sku!r}.")


@bp.post("/inventory/<sku>/reservations")
@require("inventory:write")
def reserve(sku: str):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Bad request body", 'Send a JSON object: {"order_id", "quantity"}.')
    errors = reservation_errors(body.get("order_id"), body.get("quantity"))
    if errors:
        return problem(422, "Invalid reservation", "; ".join(errors), errors=errors)
    try:
        reservation = _stock().reserve(
            g.principal.client_id, body["order_id"], sku, body["quantity"]
        )
    except UnknownSku:
        return problem(404, "Unknown SKU", f"No stock item {sku!r}.")
    except OutOfStock as exc:
        return problem(
            409, "Not enough stock", f"{exc.available} left of {sku}.", available=exc.available
        )
    except OrderIdReused:
        return problem(409, "Order id already used", "This order id reserved something else.")
    payload = {
        "order_id": reservation.order_id,
        "sku": reservation.sku,
        "quantity": reservation.quantity,
    }
    return jsonify(payload), 201 if reservation.created else 200


@bp.get("/healthz")
def healthz():
    """Readiness: 200 while the database takes writes, 503 problem+json when it does not."""
    _stock().ping()
    error = current_app.extensions["write_check"]()
    if error:
        return problem(503, "Not ready", not_ready_detail(error), checks={"database": error})
    return {"status": "ok", "checks": {"database": "writable"}}


@bp.get("/metrics")
def prometheus():
    body, content_type = exposition()
    return Response(body, content_type=content_type)
