"""Inventory's SQLite database: each package's tables, and the demo stock of a fresh file.

Each package declares its own tables (``api.schema``, ``resource_server.schema``,
``migration.schema``); this module only puts them in one file. Connections and transactions
are the kit's: ``BEGIN IMMEDIATE`` (``service_kit.sqlite``) takes the write lock up front, so
two workers reserving the last units serialise instead of both reading "enough stock" and
overselling.
"""

from __future__ import annotations

from pathlib import Path

from service_kit.sqlite import SqliteDatabase

from .api import schema as api_schema
from .migration import schema as migration_schema
from .resource_server import schema as resource_server_schema

SCHEMA = (
    api_schema.SCHEMA
    + resource_server_schema.SCHEMA
    + resource_server_schema.SQLITE_SCHEMA
    + migration_schema.SCHEMA
)
DB_FILE = "inventory.db"


class Database(SqliteDatabase):
    """Inventory's database file; a fresh one starts with the demo SKUs."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)
        with self.transaction() as db:
            if db.execute("SELECT COUNT(*) FROM stock").fetchone()[0] == 0:
                db.executemany("INSERT INTO stock VALUES (?, ?, ?)", api_schema.DEMO_STOCK)
