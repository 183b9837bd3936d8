"""Auth-mode flags: a global mode and per-client overrides, persisted in SQLite.

A flip is in force for every request in every worker as soon as the call that made it
returns, with no restart and no "within a second": the small flags table is a per-thread
``VersionedSnapshot`` (``service_kit.versioned``), read again only after a change to the
flags by any connection — another thread, another gunicorn worker, the ``flask auth-mode
set`` CLI. The check costs a few microseconds (``make bench`` reports it): SQLite's
``data_version``, and after a commit by anyone (a reservation, a ledger fold) one read of
``auth_modes_version``, a counter that triggers move with every change to the flags. Only
when it moved are the flags read again: with thousands of clients pinned, reading them all
after every reservation cost milliseconds per request (docs/performance.md, growth curve).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from service_kit.sqlite import SqliteDatabase
from service_kit.versioned import VersionedSnapshot

from .modes import AuthMode

GLOBAL = "*"


class AuthModeStore(Protocol):
    """Where the flags live; every read sees every committed flip (the contract above)."""

    def global_mode(self) -> AuthMode: ...
    def for_client(self, client_id: str) -> tuple[AuthMode, int]: ...
    def overrides(self) -> dict[str, AuthMode]: ...
    def set_global(self, mode: AuthMode | str) -> None: ...
    def set_client(self, client_id: str, mode: AuthMode | str | None) -> None: ...


class AuthModes:
    """The SQLite store of the flags (``AuthModeStore``)."""

    def __init__(self, db: SqliteDatabase, initial_mode: AuthMode) -> None:
        self.db = db
        with db.transaction() as conn:
            # INSERT OR IGNORE: the start value applies to a fresh data dir only; a mode set
            # at runtime survives restarts.
            conn.execute(
                "INSERT OR IGNORE INTO auth_modes VALUES (?, ?, ?)",
                (GLOBAL, initial_mode, int(time.time())),
            )
        self._modes = VersionedSnapshot(FlagChanges(db), self._read)

    def _read(self) -> dict[str, tuple[AuthMode, int]]:
        rows = self.db.connection().execute("SELECT * FROM auth_modes")
        return {r["subject"]: (AuthMode(r["mode"]), r["updated_at"]) for r in rows}

    def _snapshot(self) -> dict[str, tuple[AuthMode, int]]:
        return self._modes.get()

    def global_mode(self) -> AuthMode:
        return self._snapshot()[GLOBAL][0]

    def for_client(self, client_id: str) -> tuple[AuthMode, int]:
        """The client's effective mode and since when (unix time) it has been in force."""
        modes = self._snapshot()
        return modes.get(client_id, modes[GLOBAL])

    def overrides(self) -> dict[str, AuthMode]:
        return {k: mode for k, (mode, _) in self._snapshot().items() if k != GLOBAL}

    def set_global(self, mode: AuthMode | str) -> None:
        self._write(GLOBAL, mode)

    def set_client(self, client_id: str, mode: AuthMode | str | None) -> None:
        """Pin a client to a mode; ``None`` removes the pin so the global mode applies.

        ``*`` names the global row, not a client: pinning or unpinning it would change or
        delete the global mode behind the caller's back (ValueError).
        """
        if client_id == GLOBAL:
            raise ValueError(f"{GLOBAL!r} is the global mode, not a client id")
        if mode is None:
            with self.db.transaction() as conn:
                conn.execute("DELETE FROM auth_modes WHERE subject = ?", (client_id,))
            return
        self._write(client_id, mode)

    def _write(self, subject: str, mode: AuthMode | str) -> None:
        try:
            mode = AuthMode(mode)
        except ValueError:
            raise ValueError(f"mode must be one of {', '.join(AuthMode)}") from None
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO auth_modes VALUES (?, ?, ?) ON CONFLICT (subject)"
                " DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at",
                (subject, mode, int(time.time())),
            )


class FlagChanges:
    """A ``ChangeCounter`` that moves only when the flags changed: per thread, the
    database's ``data_version`` decides whether to look at ``auth_modes_version`` again."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        self._local = threading.local()

    def data_version(self) -> int:
        seen, local = self.db.data_version(), self._local
        if getattr(local, "seen", None) != seen:
            row = self.db.connection().execute("SELECT n FROM auth_modes_version").fetchone()
            local.seen, local.version = seen, row[0]
        return local.version
