"""Order intents: the order row's life across the call to Inventory, and idempotency keys.

An order row is written as ``pending`` *before* the reservation is asked for, and moves on
in compare-and-set updates, so whichever of the request, a retry and the reconciler acts
first decides, and the others see it:

    pending ──reserved at Inventory──▶ reserved    (the only state ever answered with 201)
       │    ──Inventory refused──────▶ failed      (nothing was reserved)
       └──lease and grace over──▶ releasing ──Inventory released──▶ released

``lease_until`` is the moment the request working on a pending intent gives up its claim;
a retry with the same ``Idempotency-Key`` may take over a pending intent whose lease is over
(its request died or gave up), and the reconciler releases one nobody took over within the
grace period. Times are wall-clock seconds, shared by every worker.

Schema changes are additive: a new table, and a ``lease_until`` column added to an existing
data dir's ``orders`` table.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from service_kit.sqlite import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key         TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    order_id    TEXT NOT NULL,     -- the attempt the key stands for now
    status      INTEGER,           -- the final answer, once there is one
    response    TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_open ON orders (status)
    WHERE status IN ('pending', 'releasing');
"""


class OrderStatus(StrEnum):
    PENDING = "pending"
    RESERVED = "reserved"
    FAILED = "failed"
    RELEASING = "releasing"
    RELEASED = "released"


@dataclass(frozen=True)
class KeyState:
    """What an idempotency key stands for, read in one transaction with its order."""

    fingerprint: str
    order_id: str
    status: int | None  # the stored final answer, if there is one
    response: str | None
    order_status: OrderStatus
    lease_until: float
    created: bool  # this call recorded the key (and a new pending intent) just now


@dataclass(frozen=True)
class DueIntent:
    id: str
    sku: str
    status: OrderStatus


class Intents:
    def __init__(
        self, db: SqliteDatabase, lease: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._db = db
        self._lease = lease
        self._clock = clock
        # Workers start at once: the immediate transaction makes one of them add the column.
        with db.transaction() as conn:
            columns = {row[1] for row in conn.execute("PRAGMA table_info(orders)")}
            if "lease_until" not in columns:
                conn.execute("ALTER TABLE orders ADD COLUMN lease_until REAL NOT NULL DEFAULT 0")
        db.connection().executescript(SCHEMA)

    def now(self) -> float:
        return self._clock()

    def _insert_pending(self, db: sqlite3.Connection, order_id: str, sku: str, qty: int) -> None:
        now = self._clock()
        db.execute(
            "INSERT INTO orders (id, sku, quantity, status, created_at, lease_until)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (order_id, sku, qty, OrderStatus.PENDING, int(now), now + self._lease),
        )

    def begin(self, order_id: str, sku: str, quantity: int) -> None:
        """Record the intent, claimed by the calling request, before Inventory is asked."""
        with self._db.transaction() as db:
            self._insert_pending(db, order_id, sku, quantity)

    def begin_keyed(
        self, key: str, fingerprint: str, order_id: str, sku: str, quantity: int
    ) -> KeyState:
        """The key's current state; a key seen for the first time gets ``order_id``'s intent."""
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT k.fingerprint, k.order_id, k.status, k.response,"
                " o.status AS order_status, o.lease_until"
                " FROM idempotency_keys k JOIN orders o ON o.id = k.order_id WHERE k.key = ?",
                (key,),
            ).fetchone()
            if row is not None:
                return KeyState(
                    row["fingerprint"],
                    row["order_id"],
                    row["status"],
                    row["response"],
                    OrderStatus(row["order_status"]),
                    row["lease_until"],
                    created=False,
                )
            self._insert_pending(db, order_id, sku, quantity)
            db.execute(
                "INSERT INTO idempotency_keys (key, fingerprint, order_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                (key, fingerprint, order_id, int(self._clock())),
            )
        return KeyState(fingerprint, order_id, None, None, OrderStatus.PENDING, 0, created=True)

    def claim(self, order_id: str) -> bool:
        """Take over a pending intent whose lease is over; False if someone else holds it."""
        now = self._clock()
        cur = self._db.connection().execute(
            "UPDATE orders SET lease_until = ? WHERE id = ? AND status = ? AND lease_until <= ?",
            (now + self._lease, order_id, OrderStatus.PENDING, now),
        )
        return cur.rowcount == 1

    def let_go(self, order_id: str) -> None:
        """The request gives up its claim with the outcome unknown: a retry may take over
        at once, and the grace period before the reconciler releases it starts now."""
        self._db.connection().execute(
            "UPDATE orders SET lease_until = ? WHERE id = ? AND status = ?",
            (self._clock(), order_id, OrderStatus.PENDING),
        )

    def complete(self, order_id: str, key: str | None) -> dict[str, Any] | None:
        """Inventory holds the reservation: the intent becomes the order. ``None`` when the
        reconciler started releasing it first (its release returns the stock)."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE orders SET status = ?, lease_until = 0 WHERE id = ? AND status = ?",
                (OrderStatus.RESERVED, order_id, OrderStatus.PENDING),
            )
            row = db.execute(
                "SELECT id, sku, quantity, status, created_at FROM orders WHERE id = ?", (order_id,)
            ).fetchone()
            if row["status"] != OrderStatus.RESERVED:
                return None
            order = dict(row)
            if key is not None:
                self._store_answer(db, key, order_id, 201, order)
        return order

    def fail(self, order_id: str, key: str | None, status: int, body: dict[str, Any]) -> None:
        """Inventory refused (nothing reserved): the intent ends, and a keyed retry gets the
        same refusal (the draft's "respond with the result of the previously completed
        operation, success or an error")."""
        with self._db.transaction() as db:
            cur = db.execute(
                "UPDATE orders SET status = ?, lease_until = 0 WHERE id = ? AND status = ?",
                (OrderStatus.FAILED, order_id, OrderStatus.PENDING),
            )
            if cur.rowcount == 1 and key is not None:
                self._store_answer(db, key, order_id, status, body)

    @staticmethod
    def _store_answer(
        db: sqlite3.Connection, key: str, order_id: str, status: int, body: dict[str, Any]
    ) -> None:
        db.execute(
            "UPDATE idempotency_keys SET status = ?, response = ? WHERE key = ? AND order_id = ?",
            (status, json.dumps(body), key, order_id),
        )

    def retarget(self, key: str, old_order_id: str, order_id: str, sku: str, qty: int) -> bool:
        """Point a key whose attempt was released at a fresh attempt (a released order id
        never reserves again); False if another retry did so first."""
        with self._db.transaction() as db:
            cur = db.execute(
                "UPDATE idempotency_keys SET order_id = ? WHERE key = ? AND order_id = ?",
                (order_id, key, old_order_id),
            )
            if cur.rowcount != 1:
                return False
            self._insert_pending(db, order_id, sku, qty)
        return True

    def due(self, grace: float) -> list[DueIntent]:
        """Pending intents unclaimed for longer than ``grace``; releases whose worker died."""
        now = self._clock()
        rows = self._db.connection().execute(
            "SELECT id, sku, status FROM orders WHERE status IN (?, ?) AND"
            " ((status = ? AND lease_until <= ?) OR (status = ? AND lease_until <= ?))",
            (OrderStatus.PENDING, OrderStatus.RELEASING, OrderStatus.PENDING, now - grace,
             OrderStatus.RELEASING, now),
        )  # fmt: skip
        return [DueIntent(r["id"], r["sku"], OrderStatus(r["status"])) for r in rows]

    def start_release(self, order_id: str, grace: float) -> bool:
        """Claim a due intent for releasing; False if a request or another worker has it."""
        now = self._clock()
        cur = self._db.connection().execute(
            "UPDATE orders SET status = ?, lease_until = ? WHERE id = ? AND"
            " ((status = ? AND lease_until <= ?) OR (status = ? AND lease_until <= ?))",
            (OrderStatus.RELEASING, now + self._lease, order_id,
             OrderStatus.PENDING, now - grace, OrderStatus.RELEASING, now),
        )  # fmt: skip
        return cur.rowcount == 1

    def finish_release(self, order_id: str) -> None:
        self._db.connection().execute(
            "UPDATE orders SET status = ?, lease_until = 0 WHERE id = ? AND status = ?",
            (OrderStatus.RELEASED, order_id, OrderStatus.RELEASING),
        )

    def forget_keys(self, older_than: float) -> int:
        """Expire idempotency keys (the draft's §2.3 lets a resource purge them)."""
        cur = self._db.connection().execute(
            "DELETE FROM idempotency_keys WHERE created_at < ?", (int(older_than),)
        )
        return cur.rowcount
