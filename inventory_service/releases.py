"""Releasing a reservation: ``DELETE /inventory/<sku>/reservations/<order_id>``.

A caller whose order never completed gives the stock back. The release is idempotent (RFC
9110 §9.2.2): releasing twice, or releasing an order id that never reserved, answers the
same 200 and changes nothing more. It also fences the order id: a reservation request for it
that arrives later (a retry still on the wire) is refused with 410, so a release can never
be undone behind its caller's back. A caller releases only its own reservations: the
reservation is looked up by the authenticated client id, exactly as reserving does.
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, g, jsonify

from .auth import require
from .db import Database
from .errors import problem
from .stock import ReservationReleased

bp = Blueprint("releases", __name__)


class ReservedOtherSku(Exception):
    """The order id holds a reservation of another SKU than the one named."""


def release(db: Database, client_id: str, order_id: str, sku: str) -> int:
    """Release ``order_id``'s reservation; return the units given back now (0 if none)."""
    with db.transaction() as conn:
        held = conn.execute(
            "SELECT sku, quantity FROM reservations WHERE client_id = ? AND order_id = ?",
            (client_id, order_id),
        ).fetchone()
        if held is not None and held["sku"] != sku:
            raise ReservedOtherSku(held["sku"])
        returned = held["quantity"] if held is not None else 0
        if held is not None:
            conn.execute("UPDATE stock SET quantity = quantity + ? WHERE sku = ?", (returned, sku))
            conn.execute(
                "DELETE FROM reservations WHERE client_id = ? AND order_id = ?",
                (client_id, order_id),
            )
        conn.execute(
            "INSERT OR IGNORE INTO released_reservations VALUES (?, ?, ?, ?, ?)",
            (client_id, order_id, sku, returned, int(time.time())),
        )
    return returned


@bp.delete("/inventory/<sku>/reservations/<order_id>")
@require("inventory:write")
def release_reservation(sku: str, order_id: str):
    if not 1 <= len(order_id) <= 64 or not order_id.isprintable():
        return problem(422, "Invalid order id", "order_id must be 1-64 printable characters")
    try:
        returned = release(current_app.extensions["stock"].db, g.principal.client_id, order_id, sku)
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
