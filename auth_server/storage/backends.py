"""Which storage the AS runs on: SQLite and PEM files in the data dir, or PostgreSQL by URL.

With ``AUTH_DATABASE_URL`` unset nothing changes: ``auth.db`` and ``keys/`` in
``AUTH_DATABASE_URL``'s absence are the zero-set-up default. With a ``postgresql://`` URL,
clients, revocations, spent assertions, the failed-authentication budget and the signing
keys (encrypted with ``AUTH_KEY_ENCRYPTION_KEY``) live in that database, shared by every
replica.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet

from ..config import Settings
from .interfaces import ClientStore, FailureBudget, SigningKeys, SpentAssertions, TokenRevocations
from .pem_keys import PemKeyStore
from .schema import DB_FILE, POSTGRES_SCHEMA
from .sqlite import SqliteStore
from .throttle import sqlite_failure_budget


@dataclass(frozen=True)
class Storage:
    store: ClientStore | TokenRevocations | SpentAssertions
    keys: SigningKeys
    budget: FailureBudget


def open_storage(settings: Settings) -> Storage:
    database = settings.database
    if database.url is None:
        return Storage(
            SqliteStore(settings.data_dir / DB_FILE),
            PemKeyStore(settings.data_dir / "keys", settings.signing_alg, settings.token_ttl),
            sqlite_failure_budget(settings.data_dir / DB_FILE, settings.client_auth_failure_limit),
        )
    # psycopg and the PostgreSQL stores are loaded for a postgresql:// URL only: on SQLite
    # every worker and admin CLI would pay ~0.4 s of CPU at start for a driver it never uses.
    from service_kit.postgres import PostgresDatabase

    from .postgres import PostgresStore
    from .postgres_budget import PostgresFailureBudget
    from .postgres_keys import PostgresKeyStore

    db = PostgresDatabase(
        database.url, POSTGRES_SCHEMA, pool_size=database.pool_size, counter="auth"
    )
    fernet = Fernet(str(settings.key_encryption_key).encode())
    return Storage(
        PostgresStore(db),
        PostgresKeyStore(db, fernet, settings.signing_alg, settings.token_ttl),
        PostgresFailureBudget(db, settings.client_auth_failure_limit),
    )
