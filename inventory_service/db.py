"""Inventory's SQLite schema and demo stock; connections and transactions are the kit's.

``BEGIN IMMEDIATE`` (``service_kit.sqlite``) takes the write lock up front, so two workers
reserving the last units serialise instead of both reading "enough stock" and overselling.
"""

from __future__ import annotations

from pathlib import Path

from service_kit.sqlite import SqliteDatabase

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
CREATE TABLE IF NOT EXISTS released_reservations (  -- written by inventory_service.releases
    client_id   TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL,  -- units returned to stock; 0 if nothing was held
    released_at INTEGER NOT NULL,
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


class Database(SqliteDatabase):
    """Inventory's database file; a fresh one starts with the demo SKUs."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)
        with self.transaction() as db:
            if db.execute("SELECT COUNT(*) FROM stock").fetchone()[0] == 0:
                db.executemany("INSERT INTO stock VALUES (?, ?, ?)", DEMO_STOCK)
