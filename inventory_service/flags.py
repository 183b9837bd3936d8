"""Auth-mode flags: a global mode and per-client overrides, persisted in SQLite.

Every worker re-reads the table at most ``MAX_AGE`` seconds after its last read, so a change
made through the admin API or the CLI is in force everywhere within a second, no restart.
Reading one small table twice a second costs far less than one request.
"""

from __future__ import annotations

import threading
import time

from .config import AUTH_MODES
from .db import Database

GLOBAL = "*"
MAX_AGE = 0.5


class AuthModes:
    def __init__(self, db: Database, initial_mode: str) -> None:
        self.db = db
        with db.transaction() as conn:
            # INSERT OR IGNORE: the start value applies to a fresh data dir only; a mode set
            # at runtime survives restarts.
            conn.execute(
                "INSERT OR IGNORE INTO auth_modes VALUES (?, ?, ?)",
                (GLOBAL, initial_mode, int(time.time())),
            )
        self._lock = threading.Lock()
        self._modes: dict[str, tuple[str, int]] = {}
        self._read_at = float("-inf")

    def _snapshot(self) -> dict[str, tuple[str, int]]:
        now = time.monotonic()
        if now - self._read_at >= MAX_AGE:
            with self._lock:
                if now - self._read_at >= MAX_AGE:
                    rows = self.db.connection().execute("SELECT * FROM auth_modes")
                    self._modes = {r["subject"]: (r["mode"], r["updated_at"]) for r in rows}
                    self._read_at = now
        return self._modes

    def global_mode(self) -> str:
        return self._snapshot()[GLOBAL][0]

    def for_client(self, client_id: str) -> tuple[str, int]:
        """The client's effective mode and since when (unix time) it has been in force."""
        modes = self._snapshot()
        return modes.get(client_id, modes[GLOBAL])

    def overrides(self) -> dict[str, str]:
        return {k: mode for k, (mode, _) in self._snapshot().items() if k != GLOBAL}

    def set_global(self, mode: str) -> None:
        self._write(GLOBAL, mode)

    def set_client(self, client_id: str, mode: str | None) -> None:
        """Pin a client to a mode; ``None`` removes the pin so the global mode applies."""
        if mode is None:
            with self.db.transaction() as conn:
                conn.execute("DELETE FROM auth_modes WHERE subject = ?", (client_id,))
            self._read_at = float("-inf")
            return
        self._write(client_id, mode)

    def _write(self, subject: str, mode: str) -> None:
        if mode not in AUTH_MODES:
            raise ValueError(f"mode must be one of {', '.join(AUTH_MODES)}")
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO auth_modes VALUES (?, ?, ?) ON CONFLICT (subject)"
                " DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at",
                (subject, mode, int(time.time())),
            )
        self._read_at = float("-inf")


def accepts(mode: str, method: str) -> bool:
    """Which credential kinds a mode lets through."""
    return (method == "token" and mode != "api_key") or (
        method == "api_key" and mode != "token_only"
    )
