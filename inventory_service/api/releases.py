"""Releasing a reservation: ``DELETE /inventory/<sku>/reservations/<order_id>``.

A caller whose order never completed gives the stock back. The release is idempotent (RFC
9110 §9.2.2): releasing twice, or releasing an order id that never reserved, answers the
same 200 and changes nothing more. It also fences the order id: a reservation request for it
that arrives later (a retry still on the wire) is refused with 410, so a release can never
be undone behind its caller's back. A caller releases only its own reservations: the
reservation is looked up by the authenticated client id, exactly as reserving does.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from service_kit.problem import problem

from ..resource_server.require import require
from .stock import ReservationReleased, ReservedOtherSku

bp = Blueprint("releases", __name__)


@bp.delete("/inventory/<sku>/reservations/<order_id>")
@require("inventory:write")
def release_reservation(sku: str, order_id: str):
    if not 1 <= len(order_id) <= 64 or not order_id.isprintable():
        return problem(422, "Invalid order id", "order_id must be 1-64 printable characters")
    try:
        returned = current_app.extensions["stock"].release(g.principal.client_id, order_id, sku)
    except ReservedOtherSku as exc:
        return problem(409, "Order id reserved another SKU", f"It holds a reservation of {exc}.")
    return jsonify(order_id=order_id, sku=sku, status="released", returned=returned)


@bp.app_errorhandler(ReservationReleased)
def reservation_released(exc: ReservationReleased):
    return problem(
        410,
        "Reservation released",
        f"{exc}; an order id reserves at most once. Use a new order id.",
    )
