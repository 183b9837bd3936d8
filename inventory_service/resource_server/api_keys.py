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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

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

    def create(self, client_id: str, scopes: list[str]) -> tuple[ApiKey, str]:
        """Make a key for ``client_id``; the clear key is returned once and never stored."""
        ...

    def verify(self, key: str) -> ApiKey | None:
        """The key's record when ``key`` is a live key of ours; the same work either way."""
        ...

    def revoke(self, key_id: str) -> bool: ...
    def list(self) -> list[dict]: ...


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(client_id: str, scopes: list[str]) -> tuple[str, str]:
    """A fresh key id and clear key for ``client_id``; raises ``ValueError`` on bad input."""
    if not client_id or not client_id.isprintable() or " " in client_id:
        raise ValueError("client id must be printable and without spaces")
    if not scopes:
        raise ValueError("an API key needs at least one scope")
    key_id = secrets.token_hex(6)
    return key_id, f"ik_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    """The key id a presented key names, or ``None`` when it cannot be one of ours."""
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        return None
    parts = key.split("_")
    return parts[1] if len(parts) >= 3 and parts[0] == "ik" else ""


def matching_key(key: str, key_id: str | None, row: Mapping[str, Any] | None) -> ApiKey | None:
    """The key ``row`` describes if ``key`` hashes to it; the same work whether or not a row
    was found, so timing does not tell which key ids exist."""
    if key_id is None:
        return None
    matches = hmac.compare_digest(key_hash(key), row["key_hash"] if row else _DUMMY_HASH)
    if not row or not matches:
        return None
    return ApiKey(key_id, row["client_id"], frozenset(row["scopes"].split()))


class ApiKeys:
    """API keys in SQLite (``ApiKeyStore``)."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    def create(self, client_id: str, scopes: list[str]) -> tuple[ApiKey, str]:
        """Make a key for ``client_id``; the clear key is returned once and never stored."""
        key_id, key = new_key(client_id, scopes)
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO api_keys (key_id, key_hash, client_id, scopes, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (key_id, key_hash(key), client_id, " ".join(scopes), int(time.time())),
            )
        return ApiKey(key_id, client_id, frozenset(scopes)), key

    def verify(self, key: str) -> ApiKey | None:
        key_id = key_id_of(key)
        row = None
        if key_id is not None:
            row = (
                self.db.connection()
                .execute(
                    "SELECT key_hash, client_id, scopes FROM api_keys"
                    " WHERE key_id = ? AND revoked = 0",
                    (key_id,),
                )
                .fetchone()
            )
        return matching_key(key, key_id, row)

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
