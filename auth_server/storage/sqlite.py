"""The SQLite implementation of the client, revocation and spent-assertion stores.

Connections, WAL and ``BEGIN IMMEDIATE`` transactions are ``service_kit.sqlite``'s, so
concurrent gunicorn workers serialise cleanly instead of failing with "database is locked".
Client records are served from a per-thread cache that a commit by anyone empties
(``client_cache.py``): every token request looks its client up, and SQLite's
``data_version`` is how this engine knows that nothing changed.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from service_kit.sqlite import SqliteDatabase

from .client_cache import ClientCache
from .interfaces import ClientRecord
from .schema import SCHEMA


class SqliteStore(SqliteDatabase):
    """The AS's database file; a ``ClientStore``, ``TokenRevocations`` and ``SpentAssertions``."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)
        self._clients = ClientCache(self, self._read_client)

    # -- clients ---------------------------------------------------------------------------

    def add_client(self, record: ClientRecord) -> bool:
        """Insert a client; False when the id is taken (nothing is overwritten)."""
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.client_id,
                        record.secret_hash,
                        " ".join(record.scopes),
                        json.dumps(list(record.resources)),
                        record.org_id,
                        record.auth_method,
                        json.dumps(record.jwks) if record.jwks else None,
                        int(record.disabled),
                        record.created_at,
                    ),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def get_client(self, client_id: str) -> ClientRecord | None:
        """The stored record, disabled or not; None if there is no such client."""
        return self._clients.get(client_id)

    def _read_client(self, client_id: str) -> ClientRecord | None:
        row = (
            self.connection()
            .execute("SELECT * FROM clients WHERE client_id = ?", (client_id,))
            .fetchone()
        )
        return _client(row) if row else None

    def list_clients(self) -> list[ClientRecord]:
        rows = self.connection().execute("SELECT * FROM clients ORDER BY client_id").fetchall()
        return [_client(row) for row in rows]

    def set_secret_hash(self, client_id: str, secret_hash: str) -> bool:
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE clients SET secret_hash = ? WHERE client_id = ?", (secret_hash, client_id)
            )
        return cur.rowcount == 1

    def disable_client(self, client_id: str) -> bool:
        with self.transaction() as db:
            cur = db.execute("UPDATE clients SET disabled = 1 WHERE client_id = ?", (client_id,))
        return cur.rowcount == 1

    # -- replay and revocation -------------------------------------------------------------

    def spend_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        """Record a client assertion's ``jti``; False if it was already spent (a replay)."""
        now = int(time.time())
        try:
            with self.transaction() as db:
                db.execute("DELETE FROM spent_assertions WHERE expires_at < ?", (now,))
                db.execute(
                    "INSERT INTO spent_assertions VALUES (?, ?, ?)", (client_id, jti, expires_at)
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def revoke(self, jti: str, expires_at: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM revoked_tokens WHERE expires_at < ?", (int(time.time()),))
            db.execute("INSERT OR IGNORE INTO revoked_tokens VALUES (?, ?)", (jti, expires_at))

    def revoke_client_tokens(self, client_id: str, now: int) -> bool:
        """Every token the client holds now becomes inactive; False if there is no client."""
        with self.transaction() as db:
            if not db.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone():
                return False
            db.execute(
                "INSERT INTO client_revocations VALUES (?, ?) ON CONFLICT (client_id) "
                "DO UPDATE SET revoked_before = excluded.revoked_before",
                (client_id, now),
            )
        return True

    def token_withdrawn(self, client_id: str, jti: str, iat: int) -> bool:
        """Revoked one by one (RFC 7009), by client (revoke-tokens), or its client is gone."""
        row = (
            self.connection()
            .execute(
                "SELECT c.disabled, r.revoked_before, "
                "EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?) AS jti_revoked "
                "FROM clients c LEFT JOIN client_revocations r USING (client_id) "
                "WHERE c.client_id = ?",
                (jti, client_id),
            )
            .fetchone()
        )
        if row is None or row["disabled"] or row["jti_revoked"]:
            return True
        return row["revoked_before"] is not None and iat <= row["revoked_before"]


def _client(row: sqlite3.Row) -> ClientRecord:
    return ClientRecord(
        client_id=row["client_id"],
        secret_hash=row["secret_hash"],
        scopes=tuple(row["scopes"].split()),
        resources=tuple(json.loads(row["resources"])),
        org_id=row["org_id"],
        auth_method=row["auth_method"],
        jwks=json.loads(row["jwks"]) if row["jwks"] else None,
        disabled=bool(row["disabled"]),
        created_at=row["created_at"],
    )
