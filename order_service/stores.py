"""Where orders and intents live: SQLite in the data dir, or PostgreSQL by ``ORDER_DATABASE_URL``.

With PostgreSQL every Order replica sees every order, and an ``Idempotency-Key`` retried on
another replica finds the first attempt (``postgres_intents.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import Settings
from .intents import Intents
from .orders import DB_FILE, Orders

if TYPE_CHECKING:
    from .postgres_intents import PostgresIntents, PostgresOrders


def open_stores(settings: Settings) -> tuple[Orders | PostgresOrders, Intents | PostgresIntents]:
    if settings.database.url is None:
        orders = Orders(settings.data_dir / DB_FILE)
        return orders, Intents(orders, lease=settings.intent_lease)
    # psycopg is loaded for a postgresql:// URL only: on SQLite every worker would pay
    # ~0.4 s of CPU at start for a driver it never uses.
    from .postgres_intents import PostgresIntents, PostgresOrders, open_database

    db = open_database(settings.database.url, settings.database.pool_size)
    return PostgresOrders(db), PostgresIntents(db, lease=settings.intent_lease)
