"""One background writer per process for every in-memory usage count.

Counting in SQLite on every request would add a write transaction to the hot path, so the
counts (``ledger.py``, ``usage_detail.py``) accumulate in memory and this thread folds all of
them into their tables in one transaction every ``interval`` seconds, and once more when the
process exits (``atexit``: gunicorn's graceful stop on SIGTERM and uvicorn's both run it).
Readers fold first, so what they read includes this worker's calls.

A fold that fails (``database or disk is full``, a lock held too long) loses nothing: what it
took is given back to its counts, the error is logged, and the next fold tries again. The
counts stay bounded while they wait, since each part merges them by key (client, credential,
outcome, …) and caps its keys (``MAX_KEYS``). The thread cannot die on an error; should it
die anyway, the next count starts a new one. A SIGKILLed process loses what it counted since
its last fold (at most ``interval`` seconds); Prometheus counters are not affected.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 1.0
MAX_KEYS = 10_000  # per count kept in memory while folds fail; beyond it the oldest go
REPEAT_ERROR_EVERY = 30.0  # while folds keep failing, one log line per this many seconds


class Pending(Protocol):
    """Counts kept in memory: ``take`` empties them, ``write`` stores what was taken,
    ``give_back`` merges what could not be written into what has been counted since."""

    def take(self) -> Any: ...
    def write(self, conn: Any, taken: Any) -> None: ...
    def give_back(self, taken: Any) -> None: ...


class Transactional(Protocol):
    """``SqliteDatabase`` or ``PostgresDatabase``: where the counts are folded."""

    def transaction(self) -> AbstractContextManager[Any]: ...


class Flusher:
    def __init__(
        self,
        db: Transactional,
        interval: float = FLUSH_INTERVAL,
        expected: tuple[type[Exception], ...] = (sqlite3.Error,),
    ) -> None:
        """``expected``: the engine's errors, logged without a traceback (a full disk, a
        database that is away); anything else is a bug and logged with one."""
        self.db = db
        self.interval = interval
        self.expected = expected
        self._parts: list[Pending] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._failing_since: float | None = None
        self._failures = 0
        self._logged_at = float("-inf")
        atexit.register(self._final_fold)

    @property
    def failing_since(self) -> float | None:
        """Wall-clock time of the first failed fold since the last good one, if failing."""
        return self._failing_since

    def add(self, part: Pending) -> None:
        self._parts.append(part)

    def wake(self) -> None:
        """Called on every count: starts the thread on the first one (never at import or
        in the gunicorn master, so each worker has its own), and again if it ever died."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    if self._thread is not None:
                        log.error("usage flusher thread had died; starting a new one")
                    self._thread = threading.Thread(target=self._run, daemon=True, name="usage")
                    self._thread.start()

    def flush(self) -> bool:
        """Fold every count into the database; ``False`` if it failed (the counts are kept)."""
        taken = [(part, part.take()) for part in self._parts]
        taken = [(part, t) for part, t in taken if t]
        if not taken:
            return True
        try:
            with self.db.transaction() as conn:
                for part, t in taken:
                    part.write(conn, t)
        except Exception as exc:  # the counts are given back and the error logged
            for part, t in taken:
                part.give_back(t)
            self._failed(exc)
            return False
        if self._failing_since is not None:
            log.warning(
                "usage counts written again after %d failed folds over %.1f s",
                self._failures,
                time.time() - self._failing_since,
            )
            self._failing_since, self._failures = None, 0
        return True

    def _failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self._failures += 1
        if self._failing_since is None:
            self._failing_since = time.time()
        if now - self._logged_at >= REPEAT_ERROR_EVERY or self._failures == 1:
            self._logged_at = now
            log.error(
                "writing usage counts failed (%s); kept in memory, retried every %.0f s"
                " (%d failed folds so far)",
                exc,
                self.interval,
                self._failures,
                exc_info=not isinstance(exc, self.expected),
            )

    def _final_fold(self) -> None:
        if not self.flush():
            log.error("usage counts of this process could not be written at exit: lost")

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.flush()
            except Exception:  # flush handles its own errors; this is a last resort
                log.exception("usage flusher: unexpected error; folding again next time")


def keep_newest(counts: dict[Any, Any], limit: int, seen: Callable[[Any], float]) -> None:
    """Bound counts that wait for a fold: beyond ``limit`` keys, the least recently seen go
    (and the log says how many)."""
    excess = len(counts) - limit
    if excess > 0:
        for key in sorted(counts, key=lambda k: seen(counts[k]))[:excess]:
            del counts[key]
        log.error("usage counts: %d keys dropped while the database cannot be written", excess)
