"""Legacy API keys in PostgreSQL (``ApiKeyStore``), for several replicas on one database.

Every ``verify`` reads the row, as the SQLite store does: a key created, revoked or purged
through any replica (or the CLI) is in force on every replica for the next request, with no
cache to invalidate. Minting, hashing and the constant-time comparison are ``api_keys.py``'s.
"""

from __future__ import annotations

import time

from service_kit.postgres import PostgresDatabase

from .api_keys import ApiKey, key_hash, key_id_of, matching_key, new_key


class PostgresApiKeys:
    """``ApiKeyStore`` on a shared PostgreSQL database."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    def create(self, client_id: str, scopes: list[str]) -> tuple[ApiKey, str]:
        """Make a key for ``client_id``; the clear key is returned once and never stored."""
        key_id, key = new_key(client_id, scopes)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_keys (key_id, key_hash, client_id, scopes, created_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                (key_id, key_hash(key), client_id, " ".join(scopes), int(time.time())),
            )
        return ApiKey(key_id, client_id, frozenset(scopes)), key

    def verify(self, key: str) -> ApiKey | None:
        key_id = key_id_of(key)
        row = None
        if key_id is not None:
            with self.db.read() as conn:
                row = conn.execute(
                    "SELECT key_hash, client_id, scopes FROM api_keys"
                    " WHERE key_id = %s AND revoked = 0",
                    (key_id,),
                ).fetchone()
        return matching_key(key, key_id, row)

    def revoke(self, key_id: str) -> bool:
        with self.db.transaction() as conn:
            cur = conn.execute("UPDATE api_keys SET revoked = 1 WHERE key_id = %s", (key_id,))
        return cur.rowcount == 1

    def list(self) -> list[dict]:
        with self.db.read() as conn:
            return conn.execute(
                "SELECT key_id, client_id, scopes, created_at, revoked"
                " FROM api_keys ORDER BY created_at"
            ).fetchall()
