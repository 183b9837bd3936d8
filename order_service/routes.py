"""Order endpoints: ``POST /orders`` records the intent, reserves at Inventory, completes the
order (``placement.py``); it honours an ``Idempotency-Key`` header (``idempotency.py``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, json, request

from service_kit.problem import PROBLEM, problem
from service_kit.prometheus import exposition
from service_kit.validation import identifier_error, whole_number_error

from .idempotency import HEADER, InvalidKey, fingerprint, parse_key

bp = Blueprint("orders", __name__)
MAX_QUANTITY = 10_000


@bp.post("/orders")
def create_order():
    try:
        key = parse_key(request.headers.get(HEADER))
    except InvalidKey as exc:
        return problem(400, "Invalid Idempotency-Key", str(exc))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Bad request body", 'Send a JSON object: {"sku", "quantity"}.')
    errors = _order_errors(body)
    if errors:
        return problem(422, "Invalid order", "; ".join(errors), errors=errors)
    answer = current_app.extensions["placement"].place(
        body["sku"], body["quantity"], key, fingerprint(body) if key else None
    )
    content_type = PROBLEM if answer.status >= 400 else "application/json"
    return Response(json.dumps(answer.body), status=answer.status, content_type=content_type,
                    headers=answer.headers)  # fmt: skip


@bp.get("/orders/<order_id>")
def get_order(order_id: str):
    order = current_app.extensions["orders"].get(order_id)
    if order is None:
        return problem(404, "Unknown order", f"No order {order_id!r}.")
    return order


def _order_errors(body: dict[str, Any]) -> list[str]:
    found = (
        identifier_error("sku", body.get("sku")),
        whole_number_error("quantity", body.get("quantity"), 1, MAX_QUANTITY),
    )
    return [error for error in found if error]


@bp.get("/healthz")
def healthz():
    return {"status": "ok", "auth": current_app.extensions["inventory"].auth}


@bp.get("/metrics")
def prometheus():
    body, content_type = exposition()
    return Response(body, content_type=content_type)
