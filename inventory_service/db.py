"""SQLite access for the Inventory API: one connection per thread, WAL, immediate writes.

``BEGIN IMMEDIATE`` takes the write lock up front, so two workers reserving the last units
serialise instead of both reading "enough stock" and overselling.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS stock (
    sku      TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0)
);
CREATE TABLE IF NOT EXISTS reservations (
    client_id  TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    sku        TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, order_id)
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id     TEXT PRIMARY KEY,
    key_hash   TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS auth_modes (
    subject    TEXT PRIMARY KEY,  -- '*' for the global mode, else a client id
    mode       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_usage (
    client_id TEXT NOT NULL,
    method    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    count     INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (client_id, method, outcome)
);
CREATE TABLE IF NOT EXISTS mcp_usage (  -- MCP tool calls, written by inventory_service.mcp
    client_id TEXT NOT NULL,
    tool      TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    count     INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (client_id, tool, outcome)
);
"""

DB_FILE = "inventory.db"

DEMO_STOCK = [
    ("WIDGET-1", "Widget", 100),
    ("GADGET-2", "Gadget", 50),
    ("GIZMO-3", "Gizmo", 25),
]


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = self.connection()
        conn.executescript(SCHEMA)
        with self.transaction() as db:
            if db.execute("SELECT COUNT(*) FROM stock").fetchone()[0] == 0:
                db.executemany("INSERT INTO stock VALUES (?, ?, ?)", DEMO_STOCK)

    def connection(self) -> sqlite3.Connection:
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

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
