"""Stock and reservations in PostgreSQL (``StockStore``), for several replicas on one database.

The same rules as ``stock.Stock``; what SQLite gets from ``BEGIN IMMEDIATE`` (one writer at a
time) comes here from two locks taken in a fixed order, so two replicas cannot both read
"enough stock" or both reserve one order id:

1. ``pg_advisory_xact_lock`` on (client, order id): a retry of the same order on another
   replica waits, then finds the first one's reservation and replays it;
2. ``SELECT … FOR UPDATE`` on the SKU's row: racing reservations of the last units queue on
   the row and each re-reads the quantity the previous one left.
"""

from __future__ import annotations

import time

import psycopg

from service_kit.postgres import PostgresDatabase

from .stock import (
    OrderIdReused,
    OutOfStock,
    Reservation,
    ReservationReleased,
    ReservedOtherSku,
    UnknownSku,
)


def _lock_order_id(conn: psycopg.Connection, client_id: str, order_id: str) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (client_id, order_id))


class PostgresStock:
    """``StockStore`` on a shared PostgreSQL database."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    def ping(self) -> None:
        self.db.ping()

    def all(self) -> list[dict]:
        with self.db.read() as conn:
            return conn.execute("SELECT sku, name, quantity FROM stock ORDER BY sku").fetchall()

    def get(self, sku: str) -> dict:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT sku, name, quantity FROM stock WHERE sku = %s", (sku,)
            ).fetchone()
        if row is None:
            raise UnknownSku(sku)
        return row

    def set(self, sku: str, quantity: int, name: str | None = None) -> None:
        if quantity < 0:
            raise ValueError("quantity cannot be negative")
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO stock VALUES (%s, %s, %s) ON CONFLICT (sku) DO UPDATE SET"
                " quantity = excluded.quantity",
                (sku, name or sku, quantity),
            )

    def reserve(self, client_id: str, order_id: str, sku: str, quantity: int) -> Reservation:
        with self.db.transaction() as conn:
            _lock_order_id(conn, client_id, order_id)
            earlier = conn.execute(
                "SELECT sku, quantity FROM reservations WHERE client_id = %s AND order_id = %s",
                (client_id, order_id),
            ).fetchone()
            if earlier is not None:
                if (earlier["sku"], earlier["quantity"]) != (sku, quantity):
                    raise OrderIdReused(order_id)
                return Reservation(order_id, sku, quantity, created=False)
            if conn.execute(
                "SELECT 1 FROM released_reservations WHERE client_id = %s AND order_id = %s",
                (client_id, order_id),
            ).fetchone():
                raise ReservationReleased(order_id)
            row = conn.execute(
                "SELECT quantity FROM stock WHERE sku = %s FOR UPDATE", (sku,)
            ).fetchone()
            if row is None:
                raise UnknownSku(sku)
            if row["quantity"] < quantity:
                raise OutOfStock(row["quantity"])
            conn.execute(
                "UPDATE stock SET quantity = quantity - %s WHERE sku = %s", (quantity, sku)
            )
            conn.execute(
                "INSERT INTO reservations VALUES (%s, %s, %s, %s, %s)",
                (client_id, order_id, sku, quantity, int(time.time())),
            )
        return Reservation(order_id, sku, quantity, created=True)

    def release(self, client_id: str, order_id: str, sku: str) -> int:
        """Give ``order_id``'s reservation back and fence the order id (``Stock.release``)."""
        with self.db.transaction() as conn:
            _lock_order_id(conn, client_id, order_id)
            held = conn.execute(
                "SELECT sku, quantity FROM reservations WHERE client_id = %s AND order_id = %s",
                (client_id, order_id),
            ).fetchone()
            if held is not None and held["sku"] != sku:
                raise ReservedOtherSku(held["sku"])
            returned = held["quantity"] if held is not None else 0
            if held is not None:
                conn.execute(
                    "UPDATE stock SET quantity = quantity + %s WHERE sku = %s", (returned, sku)
                )
                conn.execute(
                    "DELETE FROM reservations WHERE client_id = %s AND order_id = %s",
                    (client_id, order_id),
                )
            conn.execute(
                "INSERT INTO released_reservations VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (client_id, order_id, sku, returned, int(time.time())),
            )
        return returned
