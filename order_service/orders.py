"""Orders in SQLite. An order row is written only after Inventory confirmed the reservation,
so a refused or failed call never leaves a half-made order behind."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from pathlib import Path

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


class Orders:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection().executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # timeout= is SQLite's busy timeout: wait for a writer instead of failing.
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            # WAL is a property of the file, set once (``python -m`` does it in the master
            # before gunicorn forks). Asking again in every worker would need an exclusive
            # lock and fail with "database is locked" while a sibling worker holds the file.
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

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
        self._connection().execute(
            "INSERT INTO orders VALUES (:id, :sku, :quantity, :status, :created_at)", order
        )
        return order

    def get(self, order_id: str) -> dict | None:
        row = (
            self._connection().execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
        )
        return dict(row) if row else None
