"""Inventory's PostgreSQL database (``INVENTORY_DATABASE_URL``): the shared tables, demo stock.

The API's and the resource server's tables (stock, reservations, API keys, auth modes) are
declared once in their packages' schema modules and are plain SQL that both engines read;
the migration tooling's (usage counts, cutoff, purges) have PostgreSQL types of their own
(``migration/postgres_schema.py``).
A fresh database starts with the demo SKUs, inserted under the schema's advisory lock so
replicas starting at once seed it once.
"""

from __future__ import annotations

from service_kit.postgres import PostgresDatabase

from .api import schema as api_schema
from .migration import postgres_schema as migration_schema
from .resource_server import schema as resource_server_schema

SHARED_SCHEMA = api_schema.SCHEMA + resource_server_schema.SCHEMA + migration_schema.SCHEMA


def open_database(url: str, pool_size: int) -> PostgresDatabase:
    db = PostgresDatabase(url, SHARED_SCHEMA, pool_size=pool_size, counter="inventory")
    with db.transaction() as conn:
        conn.execute("LOCK TABLE stock IN SHARE ROW EXCLUSIVE MODE")
        if conn.execute("SELECT COUNT(*) AS n FROM stock").fetchone()["n"] == 0:
            conn.cursor().executemany(
                "INSERT INTO stock VALUES (%s, %s, %s)", api_schema.DEMO_STOCK
            )
    return db
