"""Auth-mode flags in PostgreSQL (``AuthModeStore``), for several replicas on one database.

A flip is in force on every replica as soon as the call that made it returns: each write
bumps the database's change counter in its own transaction (``PostgresDatabase.bump``), and
every request reads that counter (one indexed row) before trusting its per-thread snapshot
of the flags. A notification channel alone would not do: it is delivered after the commit,
so a request on another replica could still see the old mode.
"""

from __future__ import annotations

import time

from service_kit.postgres import PostgresDatabase
from service_kit.versioned import VersionedSnapshot

from .flags import GLOBAL, AuthModes
from .modes import AuthMode


class PostgresAuthModes(AuthModes):
    """The flags on a shared PostgreSQL database; the reads are ``AuthModes``'s."""

    def __init__(self, db: PostgresDatabase, initial_mode: AuthMode) -> None:
        self.db = db  # type: ignore[assignment]
        with db.transaction() as conn:
            # The start value applies to a fresh database only; a runtime flip survives.
            conn.execute(
                "INSERT INTO auth_modes VALUES (%s, %s, %s) ON CONFLICT (subject) DO NOTHING",
                (GLOBAL, initial_mode, int(time.time())),
            )
        self._modes = VersionedSnapshot(db, self._read)

    def _read(self) -> dict[str, tuple[AuthMode, int]]:
        with self.db.read() as conn:
            rows = conn.execute("SELECT * FROM auth_modes").fetchall()
        return {r["subject"]: (AuthMode(r["mode"]), r["updated_at"]) for r in rows}

    def set_client(self, client_id: str, mode: AuthMode | str | None) -> None:
        """Pin a client to a mode; ``None`` removes the pin so the global mode applies."""
        if mode is None:
            with self.db.transaction() as conn:
                conn.execute("DELETE FROM auth_modes WHERE subject = %s", (client_id,))
                self.db.bump(conn)
            return
        self._write(client_id, mode)

    def _write(self, subject: str, mode: AuthMode | str) -> None:
        try:
            mode = AuthMode(mode)
        except ValueError:
            raise ValueError(f"mode must be one of {', '.join(AuthMode)}") from None
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO auth_modes VALUES (%s, %s, %s) ON CONFLICT (subject)"
                " DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at",
                (subject, mode, int(time.time())),
            )
            self.db.bump(conn)
