"""The domain: stock levels and reservations, shared by the REST API and the MCP tools.

A reservation is validated here (``reservation_errors``: an order id of 1-64 printable
characters and a whole-number quantity from 1 to ``MAX_QUANTITY``; ``"2"`` and ``true`` are
not numbers), is idempotent per (client, order id), and never oversells: the check and the
decrement happen in one immediate transaction. ``StockStore`` is the interface; ``Stock``
is its SQLite implementation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from service_kit.sqlite import SqliteDatabase
from service_kit.validation import identifier_error, whole_number_error

MAX_QUANTITY = 10_000


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


class ReservedOtherSku(Exception):
    """The order id holds a reservation of another SKU than the one named."""


@dataclass(frozen=True)
class Reservation:
    order_id: str
    sku: str
    quantity: int
    created: bool  # False when an identical earlier reservation was replayed


def reservation_errors(order_id: Any, quantity: Any) -> list[str]:
    """What is wrong with a reservation request, in words for the caller; empty when valid."""
    found = (
        identifier_error("order_id", order_id),
        whole_number_error("quantity", quantity, 1, MAX_QUANTITY),
    )
    return [error for error in found if error]


class StockStore(Protocol):
    """Where stock and reservations live. ``Stock`` below is the SQLite implementation."""

    def all(self) -> list[dict]: ...
    def get(self, sku: str) -> dict: ...
    def set(self, sku: str, quantity: int, name: str | None = None) -> None: ...
    def reserve(self, client_id: str, order_id: str, sku: str, quantity: int) -> Reservation: ...
    def release(self, client_id: str, order_id: str, sku: str) -> int: ...
    def ping(self) -> None: ...


class Stock:
    """Stock and reservations in SQLite (``StockStore``)."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    def release(self, client_id: str, order_id: str, sku: str) -> int:
        """Give ``order_id``'s reservation back; the units returned now (0 if none).

        Idempotent, and it fences the order id: ``reserve`` refuses it from then on.
        """
        with self.db.transaction() as conn:
            held = conn.execute(
                "SELECT sku, quantity FROM reservations WHERE client_id = ? AND order_id = ?",
                (client_id, order_id),
            ).fetchone()
            if held is not None and held["sku"] != sku:
                raise ReservedOtherSku(held["sku"])
            returned = held["quantity"] if held is not None else 0
            if held is not None:
                conn.execute(
                    "UPDATE stock SET quantity = quantity + ? WHERE sku = ?", (returned, sku)
                )
                conn.execute(
                    "DELETE FROM reservations WHERE client_id = ? AND order_id = ?",
                    (client_id, order_id),
                )
            conn.execute(
                "INSERT OR IGNORE INTO released_reservations VALUES (?, ?, ?, ?, ?)",
                (client_id, order_id, sku, returned, int(time.time())),
            )
        return returned

    def ping(self) -> None:
        """Raises when the database cannot be read (the health checks)."""
        self.db.connection().execute("SELECT 1")

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
