"""The Inventory API itself, RFC 9728 metadata, health and metrics."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request

from service_kit.problem import problem
from service_kit.prometheus import exposition

from .auth import require
from .stock import OrderIdReused, OutOfStock, Stock, UnknownSku

bp = Blueprint("inventory", __name__)
MAX_QUANTITY = 10_000


def _stock() -> Stock:
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
    errors = _reservation_errors(body)
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


def _reservation_errors(body: dict[str, Any]) -> list[str]:
    errors = []
    order_id, quantity = body.get("order_id"), body.get("quantity")
    if not isinstance(order_id, str) or not 1 <= len(order_id) <= 64 or not order_id.isprintable():
        errors.append("order_id must be a string of 1-64 printable characters")
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        errors.append(f"quantity must be a whole number from 1 to {MAX_QUANTITY}")
    return errors


@bp.get("/.well-known/oauth-protected-resource")
def resource_metadata():
    """RFC 9728 §2: tells an MCP-style client which AS to ask and what to ask for."""
    settings = current_app.extensions["authenticator"].settings
    response = jsonify(
        resource=settings.resource,
        authorization_servers=[settings.issuer],
        scopes_supported=["inventory:read", "inventory:write", "inventory:admin"],
        bearer_methods_supported=["header"],
        resource_documentation=settings.migration_docs_url,
    )
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/docs/migration")
def migration_docs():
    settings = current_app.extensions["authenticator"].settings
    return render_template("migration.html", settings=settings)


@bp.get("/healthz")
def healthz():
    current_app.extensions["stock"].db.connection().execute("SELECT 1")
    return {"status": "ok"}


@bp.get("/metrics")
def prometheus():
    body, content_type = exposition()
    return Response(body, content_type=content_type)
