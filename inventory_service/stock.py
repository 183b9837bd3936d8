"""Stock levels and reservations. A reservation is idempotent per (client, order id) and
never oversells: the check and the decrement happen in one immediate transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .db import Database


class UnknownSku(LookupError):
    pass


class OutOfStock(Exception):
    def __init__(self, available: int) -> None:
        super().__init__(available)
        self.available = available


class OrderIdReused(Exception):
    """The order id was already used for a different reservation."""


class ReservationReleased(Exception):
    """The order id's reservation was released; an order id never reserves again."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"the reservation for order {order_id!r} was released")
        self.order_id = order_id


@dataclass(frozen=True)
class Reservation:
    order_id: str
    sku: str
    quantity: int
    created: bool  # False when an identical earlier reservation was replayed


class Stock:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[dict]:
        rows = self.db.connection().execute("SELECT sku, name, quantity FROM stock ORDER BY sku")
        return [dict(row) for row in rows]

    def get(self, sku: str) -> dict:
        row = (
            self.db.connection()
            .execute("SELECT sku, name, quantity FROM stock WHERE sku = ?", (sku,))
            .fetchone()
        )
        if row is None:
            raise UnknownSku(sku)
        return dict(row)

    def set(self, sku: str, quantity: int, name: str | None = None) -> None:
        if quantity < 0:
            raise ValueError("quantity cannot be negative")
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO stock VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET"
                " quantity = excluded.quantity",
                (sku, name or sku, quantity),
            )

    def reserve(self, client_id: str, order_id: str, sku: str, quantity: int) -> Reservation:
        with self.db.transaction() as db:
            earlier = db.execute(
                "SELECT sku, quantity FROM reservations WHERE client_id = ? AND order_id = ?",
                (client_id, order_id),
            ).fetchone()
            if earlier is not None:
                if (earlier["sku"], earlier["quantity"]) != (sku, quantity):
                    raise OrderIdReused(order_id)
                return Reservation(order_id, sku, quantity, created=False)
            # A release fences the order id: a reservation request that arrives after it
            # (a slow retry) must not take stock again for an order its client gave up.
            if db.execute(
                "SELECT 1 FROM released_reservations WHERE client_id = ? AND order_id = ?",
                (client_id, order_id),
            ).fetchone():
                raise ReservationReleased(order_id)
            row = db.execute("SELECT quantity FROM stock WHERE sku = ?", (sku,)).fetchone()
            if row is None:
                raise UnknownSku(sku)
            if row["quantity"] < quantity:
                raise OutOfStock(row["quantity"])
            db.execute("UPDATE stock SET quantity = quantity - ? WHERE sku = ?", (quantity, sku))
            db.execute(
                "INSERT INTO reservations VALUES (?, ?, ?, ?, ?)",
                (client_id, order_id, sku, quantity, int(time.time())),
            )
        return Reservation(order_id, sku, quantity, created=True)
