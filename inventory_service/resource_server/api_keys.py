"""Legacy API keys: each bound to a client id and a scope set, stored only as a hash.

A key looks like ``ik_<key id>_<secret>``. The key id finds the row; the SHA-256 of the whole
key is then compared in constant time. The secret part carries 256 random bits, so a plain
hash is enough and keeps the check cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Protocol

from service_kit.sqlite import SqliteDatabase

_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    client_id: str
    scopes: frozenset[str]


class ApiKeyStore(Protocol):
    """Where keys live. ``ApiKeys`` below is the SQLite implementation."""

    def create(self, client_id: str, scopes: list[str]) -> tuple[ApiKey, str]: ...
    def verify(self, key: str) -> ApiKey | None: ...
    def revoke(self, key_id: str) -> bool: ...
    def list(self) -> list[dict]: ...


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeys:
    """API keys in SQLite (``ApiKeyStore``)."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    def create(self, client_id: str, scopes: list[str]) -> tuple[ApiKey, str]:
        """Make a key for ``client_id``; the clear key is returned once and never stored."""
        if not client_id or not client_id.isprintable() or " " in client_id:
            raise ValueError("client id must be printable and without spaces")
        if not scopes:
            raise ValueError("an API key needs at least one scope")
        key_id = secrets.token_hex(6)
        key = f"ik_{key_id}_{secrets.token_urlsafe(32)}"
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO api_keys (key_id, key_hash, client_id, scopes, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (key_id, _hash(key), client_id, " ".join(scopes), int(time.time())),
            )
        return ApiKey(key_id, client_id, frozenset(scopes)), key

    def verify(self, key: str) -> ApiKey | None:
        if len(key) > MAX_KEY_LENGTH or not key.isascii():
            return None
        parts = key.split("_")
        key_id = parts[1] if len(parts) >= 3 and parts[0] == "ik" else ""
        row = (
            self.db.connection()
            .execute(
                "SELECT key_hash, client_id, scopes FROM api_keys WHERE key_id = ? AND revoked = 0",
                (key_id,),
            )
            .fetchone()
        )
        # Same comparison work whether or not the key id exists.
        matches = hmac.compare_digest(_hash(key), row["key_hash"] if row else _DUMMY_HASH)
        if not row or not matches:
            return None
        return ApiKey(key_id, row["client_id"], frozenset(row["scopes"].split()))

    def revoke(self, key_id: str) -> bool:
        with self.db.transaction() as db:
            cur = db.execute("UPDATE api_keys SET revoked = 1 WHERE key_id = ?", (key_id,))
        return cur.rowcount == 1

    def list(self) -> list[dict]:
        rows = self.db.connection().execute(
            "SELECT key_id, client_id, scopes, created_at, revoked"
            " FROM api_keys ORDER BY created_at"
        )
        return [dict(row) for row in rows]
