"""The PostgreSQL implementation of the client, revocation and spent-assertion stores.

For several AS replicas on one database (``AUTH_DATABASE_URL``). The same rules as
``sqlite.py``, held across replicas by the database itself:

- a client assertion's ``jti`` is spent by ``INSERT … ON CONFLICT DO NOTHING``: of two
  replicas presented the same assertion, exactly one inserts the row;
- ``clients disable``, ``rotate-secret`` and ``revoke-tokens`` bump the change counter in
  their own transaction, and every token request reads the counter before trusting its
  per-thread client cache (``client_cache.py``), so the next request on any replica sees
  the change;
- ``token_withdrawn`` reads the rows on every introspection, as on SQLite.
"""

from __future__ import annotations

import json
import time

from service_kit.postgres import PostgresDatabase

from .client_cache import ClientCache
from .interfaces import ClientRecord


class PostgresStore:
    """A ``ClientStore``, ``TokenRevocations`` and ``SpentAssertions`` on PostgreSQL."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self._clients = ClientCache(db, self._read_client)

    # -- clients ---------------------------------------------------------------------------

    def add_client(self, record: ClientRecord) -> bool:
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO clients VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (client_id) DO NOTHING",
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
            self.db.bump(conn)
        return cur.rowcount == 1

    def get_client(self, client_id: str) -> ClientRecord | None:
        return self._clients.get(client_id)

    def _read_client(self, client_id: str) -> ClientRecord | None:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT * FROM clients WHERE client_id = %s", (client_id,)
            ).fetchone()
        return _client(row) if row else None

    def list_clients(self) -> list[ClientRecord]:
        with self.db.read() as conn:
            rows = conn.execute("SELECT * FROM clients ORDER BY client_id").fetchall()
        return [_client(row) for row in rows]

    def set_secret_hash(self, client_id: str, secret_hash: str) -> bool:
        return self._update(
            "UPDATE clients SET secret_hash = %s WHERE client_id = %s", (secret_hash, client_id)
        )

    def disable_client(self, client_id: str) -> bool:
        return self._update("UPDATE clients SET disabled = 1 WHERE client_id = %s", (client_id,))

    def _update(self, sql: str, params: tuple) -> bool:
        with self.db.transaction() as conn:
            cur = conn.execute(sql, params)
            self.db.bump(conn)
        return cur.rowcount == 1

    # -- replay and revocation -------------------------------------------------------------

    def spend_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        """Record a client assertion's ``jti``; False if any replica already spent it."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM spent_assertions WHERE expires_at < %s", (int(time.time()),))
            cur = conn.execute(
                "INSERT INTO spent_assertions VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (client_id, jti, expires_at),
            )
        return cur.rowcount == 1

    def revoke(self, jti: str, expires_at: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM revoked_tokens WHERE expires_at < %s", (int(time.time()),))
            conn.execute(
                "INSERT INTO revoked_tokens VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (jti, expires_at),
            )

    def revoke_client_tokens(self, client_id: str, now: int) -> bool:
        with self.db.transaction() as conn:
            if not conn.execute(
                "SELECT 1 FROM clients WHERE client_id = %s", (client_id,)
            ).fetchone():
                return False
            conn.execute(
                "INSERT INTO client_revocations VALUES (%s, %s) ON CONFLICT (client_id)"
                " DO UPDATE SET revoked_before = excluded.revoked_before",
                (client_id, now),
            )
        return True

    def token_withdrawn(self, client_id: str, jti: str, iat: int) -> bool:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT c.disabled, r.revoked_before, "
                "EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = %s) AS jti_revoked "
                "FROM clients c LEFT JOIN client_revocations r USING (client_id) "
                "WHERE c.client_id = %s",
                (jti, client_id),
            ).fetchone()
        if row is None or row["disabled"] or row["jti_revoked"]:
            return True
        return row["revoked_before"] is not None and iat <= row["revoked_before"]


def _client(row: dict) -> ClientRecord:
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
