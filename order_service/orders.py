"""Orders in SQLite: one row per order attempt, read by ``GET /orders/<id>``.

The row is written as a ``pending`` intent *before* Inventory is asked to reserve, and only
a row in state ``reserved`` was ever answered 201 (``placement.py``). Whatever a crash,
timeout or kill leaves pending is either completed by a retry with the same
``Idempotency-Key`` or released at Inventory by the reconciler (``reconciler.py``), so every
reservation ends as an order or is released: nothing stays half-made. The states and their
compare-and-set moves are in ``intents.py``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from service_kit.sqlite import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id         TEXT PRIMARY KEY,
    sku        TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
"""

DB_FILE = "orders.db"


class Orders(SqliteDatabase):
    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    @staticmethod
    def new_id() -> str:
        return f"ord_{uuid.uuid4().hex}"

    def get(self, order_id: str) -> dict | None:
        row = (
            self.connection()
            .execute(
                "SELECT id, sku, quantity, status, created_at FROM orders WHERE id = ?",
                (order_id,),
            )
            .fetchone()
        )
        return dict(row) if row else None
