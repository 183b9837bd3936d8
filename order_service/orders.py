"""Orders in SQLite. An order row is written only after Inventory confirmed the reservation,
so a refused or failed call never leaves a half-made order behind."""

from __future__ import annotations

import time
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

    def add(self, order_id: str, sku: str, quantity: int) -> dict:
        order = {
            "id": order_id,
            "sku": sku,
            "quantity": quantity,
            "status": "reserved",
            "created_at": int(time.time()),
        }
        # One statement, so sqlite's implicit transaction makes it all-or-nothing.
        self.connection().execute(
            "INSERT INTO orders VALUES (:id, :sku, :quantity, :status, :created_at)", order
        )
        return order

    def get(self, order_id: str) -> dict | None:
        row = self.connection().execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
        return dict(row) if row else None
