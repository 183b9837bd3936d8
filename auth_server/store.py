"""SQLite storage of the authorization server: clients, spent assertion ``jti``s, revocations.

Connections, WAL and ``BEGIN IMMEDIATE`` transactions are ``service_kit.sqlite``'s, so
concurrent gunicorn workers serialise cleanly instead of failing with "database is locked".
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from service_kit.sqlite import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS clients (
    client_id    TEXT PRIMARY KEY,
    secret_hash  TEXT,
    scopes       TEXT NOT NULL,
    resources    TEXT NOT NULL,
    org_id       TEXT,
    auth_method  TEXT NOT NULL,
    jwks         TEXT,
    disabled     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS spent_assertions (
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS client_revocations (
    client_id      TEXT PRIMARY KEY,
    revoked_before INTEGER NOT NULL  -- tokens issued at or before this second are inactive
);
"""

DB_FILE = "auth.db"


@dataclass(frozen=True)
class ClientRecord:
    """A registered client as stored; ``resources[0]`` is its default audience."""

    client_id: str
    secret_hash: str | None
    scopes: tuple[str, ...]
    resources: tuple[str, ...]
    org_id: str | None
    auth_method: str
    jwks: dict | None
    disabled: bool
    created_at: int


class Store(SqliteDatabase):
    """The AS's database file: clients, spent assertions, revocations."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

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

    def is_revoked(self, jti: str) -> bool:
        row = (
            self.connection()
            .execute("SELECT 1 FROM revoked_tokens WHERE jti = ?", (jti,))
            .fetchone()
        )
        return row is not None


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
