"""One background writer per process for every in-memory usage count.

Counting in SQLite on every request would add a write transaction to the hot path, so the
counts (``ledger.py``, ``usage_detail.py``) accumulate in memory and this thread folds all of
them into their tables in one transaction every ``FLUSH_INTERVAL`` seconds, and once more
when the process exits. Readers fold first, so what they read includes this worker's calls.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading
import time
from typing import Any, Protocol

from service_kit.sqlite import SqliteDatabase

FLUSH_INTERVAL = 1.0


class Pending(Protocol):
    """Counts kept in memory: ``take`` empties them, ``write`` stores what was taken."""

    def take(self) -> Any: ...
    def write(self, conn: sqlite3.Connection, taken: Any) -> None: ...


class Flusher:
    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        self._parts: list[Pending] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        atexit.register(self.flush)

    def add(self, part: Pending) -> None:
        self._parts.append(part)

    def wake(self) -> None:
        """Called on every count: starts the thread on the first one (never at import or
        in the gunicorn master, so each worker has its own)."""
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, daemon=True, name="usage")
                    self._thread.start()

    def flush(self) -> None:
        taken = [(part, part.take()) for part in self._parts]
        taken = [(part, t) for part, t in taken if t]
        if not taken:
            return
        with self.db.transaction() as conn:
            for part, t in taken:
                part.write(conn, t)

    def _run(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL)
            self.flush()
