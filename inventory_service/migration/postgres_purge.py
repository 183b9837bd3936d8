"""The purge in PostgreSQL: every replica's key hashes go at once, and only when no replica
has accepted a key call within the window.

The safety check is ``purge.py``'s, reading the shared ledger (``postgres_ledger.py``), so a
key call accepted on any replica blocks the purge once that replica has folded it (within a
second). The keys are the shared ``api_keys`` rows that every replica's ``verify`` reads, so
a purged key is refused everywhere on the next call.
"""

from __future__ import annotations

import json

from service_kit.postgres import PostgresDatabase

from .purge import Purge, purge_record


class PostgresPurge(Purge):
    """``Purge`` on a shared PostgreSQL database."""

    db: PostgresDatabase  # type: ignore[assignment]

    def _delete_keys(self, now: int, forced: bool, blockers: list[dict]) -> tuple[int, list[str]]:
        with self.db.transaction() as conn:
            rows = conn.execute("DELETE FROM api_keys RETURNING client_id").fetchall()
            clients = sorted({row["client_id"] for row in rows})
            conn.execute(
                "INSERT INTO api_key_purges (purged_at, key_count, clients, forced, blockers)"
                " VALUES (%s, %s, %s, %s, %s)",
                (now, len(rows), json.dumps(clients), int(forced), json.dumps(blockers)),
            )
        return len(rows), clients

    def _stored_keys(self) -> tuple[int, list[str]]:
        with self.db.read() as conn:
            rows = conn.execute("SELECT client_id FROM api_keys").fetchall()
        return len(rows), sorted({row["client_id"] for row in rows})

    def last(self) -> dict | None:
        with self.db.read() as conn:
            return purge_record(
                conn.execute(
                    "SELECT * FROM api_key_purges ORDER BY purged_at DESC, id DESC LIMIT 1"
                ).fetchone()
            )
