"""Orders and order intents in PostgreSQL (``ORDER_DATABASE_URL``), for several replicas.

The same states and compare-and-set moves as ``intents.py`` (read its docstring first); what
SQLite gets from ``BEGIN IMMEDIATE`` comes here from the statements themselves:

- every move is one conditional ``UPDATE … WHERE status = …``, so of a request, a retry on
  another replica and the reconciler exactly one wins;
- a new ``Idempotency-Key`` is recorded under ``pg_advisory_xact_lock`` on the key, so two
  replicas seeing the same key at once make one intent, and the second reads the first's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import psycopg

from service_kit.postgres import PostgresDatabase

from .intents import SCHEMA as INTENTS_SCHEMA
from .intents import DueIntent, KeyState, OrderStatus
from .orders import Orders

ORDERS = """
CREATE TABLE IF NOT EXISTS orders (
    id          TEXT PRIMARY KEY,
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    lease_until DOUBLE PRECISION NOT NULL DEFAULT 0
);
"""

SELECT_ORDER = "SELECT id, sku, quantity, status, created_at FROM orders WHERE id = %s"


def open_database(url: str, pool_size: int) -> PostgresDatabase:
    return PostgresDatabase(url, ORDERS + INTENTS_SCHEMA, pool_size=pool_size, counter="order")


class PostgresOrders:
    """``GET /orders/<id>`` and new ids, on the shared database."""

    new_id = staticmethod(Orders.new_id)

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    def get(self, order_id: str) -> dict | None:
        with self.db.read() as conn:
            return conn.execute(SELECT_ORDER, (order_id,)).fetchone()


class PostgresIntents:
    """``intents.Intents`` on PostgreSQL: the same methods, the same answers."""

    def __init__(
        self, db: PostgresDatabase, lease: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._db = db
        self._lease = lease
        self._clock = clock

    def now(self) -> float:
        return self._clock()

    def _insert_pending(self, conn: psycopg.Connection, order_id: str, sku: str, qty: int) -> None:
        now = self._clock()
        conn.execute(
            "INSERT INTO orders (id, sku, quantity, status, created_at, lease_until)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (order_id, sku, qty, OrderStatus.PENDING, int(now), now + self._lease),
        )

    def _update(self, sql: str, params: tuple) -> int:
        with self._db.transaction() as conn:
            return conn.execute(sql, params).rowcount

    def begin(self, order_id: str, sku: str, quantity: int) -> None:
        with self._db.transaction() as conn:
            self._insert_pending(conn, order_id, sku, quantity)

    def begin_keyed(
        self, key: str, fingerprint: str, order_id: str, sku: str, quantity: int
    ) -> KeyState:
        with self._db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
            row = conn.execute(
                "SELECT k.fingerprint, k.order_id, k.status, k.response,"
                " o.status AS order_status, o.lease_until"
                " FROM idempotency_keys k JOIN orders o ON o.id = k.order_id WHERE k.key = %s",
                (key,),
            ).fetchone()
            if row is not None:
                return KeyState(
                    row["fingerprint"], row["order_id"], row["status"], row["response"],
                    OrderStatus(row["order_status"]), row["lease_until"], created=False,
                )  # fmt: skip
            self._insert_pending(conn, order_id, sku, quantity)
            conn.execute(
                "INSERT INTO idempotency_keys (key, fingerprint, order_id, created_at)"
                " VALUES (%s, %s, %s, %s)",
                (key, fingerprint, order_id, int(self._clock())),
            )
        return KeyState(fingerprint, order_id, None, None, OrderStatus.PENDING, 0, created=True)

    def claim(self, order_id: str) -> bool:
        now = self._clock()
        return (
            self._update(
                "UPDATE orders SET lease_until = %s WHERE id = %s AND status = %s"
                " AND lease_until <= %s",
                (now + self._lease, order_id, OrderStatus.PENDING, now),
            )
            == 1
        )

    def let_go(self, order_id: str) -> None:
        self._update(
            "UPDATE orders SET lease_until = %s WHERE id = %s AND status = %s",
            (self._clock(), order_id, OrderStatus.PENDING),
        )

    def complete(self, order_id: str, key: str | None) -> dict[str, Any] | None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE orders SET status = %s, lease_until = 0 WHERE id = %s AND status = %s",
                (OrderStatus.RESERVED, order_id, OrderStatus.PENDING),
            )
            order = conn.execute(SELECT_ORDER, (order_id,)).fetchone()
            if order["status"] != OrderStatus.RESERVED:
                return None
            if key is not None:
                _store_answer(conn, key, order_id, 201, order)
        return order

    def fail(self, order_id: str, key: str | None, status: int, body: dict[str, Any]) -> None:
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE orders SET status = %s, lease_until = 0 WHERE id = %s AND status = %s",
                (OrderStatus.FAILED, order_id, OrderStatus.PENDING),
            )
            if cur.rowcount == 1 and key is not None:
                _store_answer(conn, key, order_id, status, body)

    def retarget(self, key: str, old_order_id: str, order_id: str, sku: str, qty: int) -> bool:
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE idempotency_keys SET order_id = %s WHERE key = %s AND order_id = %s",
                (order_id, key, old_order_id),
            )
            if cur.rowcount != 1:
                return False
            self._insert_pending(conn, order_id, sku, qty)
        return True

    def due(self, grace: float) -> list[DueIntent]:
        now = self._clock()
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT id, sku, status FROM orders WHERE status IN (%s, %s) AND"
                " ((status = %s AND lease_until <= %s) OR (status = %s AND lease_until <= %s))",
                (OrderStatus.PENDING, OrderStatus.RELEASING, OrderStatus.PENDING, now - grace,
                 OrderStatus.RELEASING, now),
            ).fetchall()  # fmt: skip
        return [DueIntent(r["id"], r["sku"], OrderStatus(r["status"])) for r in rows]

    def start_release(self, order_id: str, grace: float) -> bool:
        now = self._clock()
        return self._update(
            "UPDATE orders SET status = %s, lease_until = %s WHERE id = %s AND"
            " ((status = %s AND lease_until <= %s) OR (status = %s AND lease_until <= %s))",
            (OrderStatus.RELEASING, now + self._lease, order_id,
             OrderStatus.PENDING, now - grace, OrderStatus.RELEASING, now),
        ) == 1  # fmt: skip

    def finish_release(self, order_id: str) -> None:
        self._update(
            "UPDATE orders SET status = %s, lease_until = 0 WHERE id = %s AND status = %s",
            (OrderStatus.RELEASED, order_id, OrderStatus.RELEASING),
        )

    def forget_keys(self, older_than: float) -> int:
        return self._update(
            "DELETE FROM idempotency_keys WHERE created_at < %s", (int(older_than),)
        )


def _store_answer(
    conn: psycopg.Connection, key: str, order_id: str, status: int, body: dict[str, Any]
) -> None:
    conn.execute(
        "UPDATE idempotency_keys SET status = %s, response = %s WHERE key = %s AND order_id = %s",
        (status, json.dumps(body), key, order_id),
    )
