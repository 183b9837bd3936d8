"""The cutoff's sunset extensions in PostgreSQL: an extension made through one replica (or the
CLI) is in force on every replica for the next key call.

The extension is read through a per-thread snapshot (``service_kit.versioned``) behind the
database's change counter, like the flags: ``extend`` bumps the counter in the transaction
that records the extension, and every replica reads the counter before trusting its
snapshot. The sunset, brownouts and the decision are ``cutoff.py``'s.
"""

from __future__ import annotations

from datetime import UTC, datetime

from service_kit.postgres import PostgresDatabase

from .cutoff import Cutoff


class PostgresCutoff(Cutoff):
    """``Cutoff`` whose extensions live in a shared PostgreSQL database."""

    db: PostgresDatabase  # type: ignore[assignment]

    def _read_extension(self) -> datetime | None:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT until FROM api_key_sunset_extensions"
                " ORDER BY created_at DESC, id DESC LIMIT 1"
            ).fetchone()
        return datetime.fromtimestamp(row["until"], UTC) if row else None

    def _store_extension(self, until: int, reason: str, created_at: int) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_key_sunset_extensions (until, reason, created_at)"
                " VALUES (%s, %s, %s)",
                (until, reason, created_at),
            )
            self.db.bump(conn)
