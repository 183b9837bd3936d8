"""Where the state that must hold across replicas lives: SQLite, or PostgreSQL by URL.

With ``INVENTORY_DATABASE_URL`` unset everything stays in the data dir's SQLite file. With a
``postgresql://`` URL, stock and reservations, API keys and the auth-mode flags live in
that database, so every replica (REST and MCP) sells the same units, knows the same keys
and obeys the same flip. ``db`` is the engine they are on, where the migration tooling
keeps its tables too (``migration/stores.py``, ``docs/scaling.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

from service_kit.database_settings import DatabaseSettings
from service_kit.postgres import PostgresDatabase

from .api.postgres_stock import PostgresStock
from .api.stock import Stock, StockStore
from .db import Database
from .postgres_db import open_database
from .resource_server.api_keys import ApiKeys, ApiKeyStore
from .resource_server.flags import AuthModes, AuthModeStore
from .resource_server.modes import AuthMode
from .resource_server.postgres_api_keys import PostgresApiKeys
from .resource_server.postgres_flags import PostgresAuthModes


@dataclass(frozen=True)
class SharedStores:
    stock: StockStore
    api_keys: ApiKeyStore
    modes: AuthModeStore | None  # None in the MCP server, which has no flags
    db: Database | PostgresDatabase  # the engine they are on


def open_stores(
    database: DatabaseSettings, local: Database, initial_mode: AuthMode | None = None
) -> SharedStores:
    """The stores for ``database``: PostgreSQL when it names one, else ``local`` SQLite."""
    if database.url is None:
        modes = AuthModes(local, initial_mode) if initial_mode is not None else None
        return SharedStores(Stock(local), ApiKeys(local), modes, local)
    db = open_database(database.url, database.pool_size)
    modes = PostgresAuthModes(db, initial_mode) if initial_mode is not None else None
    return SharedStores(PostgresStock(db), PostgresApiKeys(db), modes, db)
