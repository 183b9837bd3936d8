"""The failed-authentication budget: ``limits``' fixed window in the AS's SQLite file.

``FixedWindowBudget`` is the ``FailureBudget`` of ``interfaces.py`` over any ``limits``
storage. ``limits`` ships memory, Redis, Memcached and MongoDB storages. Memory is per
worker (with two workers an attacker would get twice the budget, more with more workers),
and a demo should not need a Redis. So ``SQLiteStorage`` is the fixed-window part of the
``limits`` Storage interface over one table (``schema.THROTTLE``): ``BEGIN IMMEDIATE``
makes each increment atomic across processes. Only failed client authentications write
here, and only while under budget (``client_auth_abuse.py``); a successful request writes
nothing.

The table stays bounded whatever the callers send: every write first deletes every expired
window (by the ``expires_at`` index, so it costs nothing when there is nothing to delete),
and then, if more than ``max_rows`` keys remain, the windows closest to their end are
dropped. A flood of unique client ids from many addresses can therefore cost a key its
count early — it starts a fresh window — but never grows the file. Any other
``FailureBudget`` implementation owes the same: state swept by time across all keys, and a
hard cap.

``limits`` is used directly rather than through Flask-Limiter: the extension's generic
per-request machinery (a before-request pass over every limit, exemption scopes, header
injection) costs about 400 µs of the token endpoint's CPU per token, more than signing it;
the calls made here — ``test`` before the view, ``hit`` after a 401 — are what it does for
this one limit (docs/performance.md, "Token endpoint").
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from limits import RateLimitItem, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from .schema import THROTTLE, THROTTLE_INDEX

MAX_ROWS = 10_000  # ~1 MB of SQLite pages at most


class FixedWindowBudget:
    """One fixed-window budget of failures per key, e.g. ``20/minute``, in ``storage``."""

    SCOPE = "client-auth-failures"

    def __init__(self, storage: Storage, limit: str) -> None:
        self._limiter = FixedWindowRateLimiter(storage)
        self._item: RateLimitItem = parse(limit)

    def exhausted(self, key: str) -> bool:
        return not self._limiter.test(self._item, self.SCOPE, key)

    def spend(self, key: str) -> None:
        self._limiter.hit(self._item, self.SCOPE, key)

    def retry_after(self, key: str) -> int:
        """Seconds until the window ends, at least 1 and never more than the window."""
        reset = self._limiter.get_window_stats(self._item, self.SCOPE, key).reset_time
        return max(1, min(math.ceil(reset - time.time()), self._item.get_expiry()))


class SQLiteStorage(Storage):
    """``sqlite:///absolute/path.db``, registered with ``limits`` by its scheme.

    Its own connections, opened lazily, rather than a second ``service_kit.sqlite``
    ``SqliteDatabase`` on ``auth.db``: constructing one opens and closes the file
    (``private_files.private_database``) while this process already holds SQLite
    connections to it, and closing any descriptor of a file drops every POSIX lock the
    process holds on it. Another process (the admin CLI) can then checkpoint and reset the
    WAL under the workers, whose ``data_version`` stops moving, so a disabled client stays
    cached. The table is the one ``schema.py`` declares.
    """

    STORAGE_SCHEME = ["sqlite"]

    def __init__(
        self, uri: str, wrap_exceptions: bool = False, max_rows: int = MAX_ROWS, **options
    ) -> None:
        self.path = Path(urlsplit(uri).path)
        self.max_rows = max_rows
        self._local = threading.local()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute(THROTTLE)
            conn.execute(THROTTLE_INDEX)
            self._local.conn = conn
        return conn

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM throttle WHERE expires_at <= ?", (now,))
            db.execute(
                "INSERT INTO throttle VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count",
                (key, amount, now + expiry),
            )
            count = db.execute("SELECT count FROM throttle WHERE key = ?", (key,)).fetchone()[0]
            rows = db.execute("SELECT count(*) FROM throttle").fetchone()[0]
            if rows > self.max_rows:
                db.execute(
                    "DELETE FROM throttle WHERE key IN (SELECT key FROM throttle "
                    "WHERE key != ? ORDER BY expires_at LIMIT ?)",
                    (key, rows - self.max_rows),
                )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return int(count)

    def get(self, key: str) -> int:
        row = (
            self._db()
            .execute(
                "SELECT count FROM throttle WHERE key = ? AND expires_at > ?", (key, time.time())
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._db()
            .execute(
                "SELECT expires_at FROM throttle WHERE key = ? AND expires_at > ?",
                (key, time.time()),
            )
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._db() as db:
            return db.execute("DELETE FROM throttle").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM throttle WHERE key = ?", (key,))


def sqlite_failure_budget(db_path: Path, limit: str, max_rows: int = MAX_ROWS) -> FixedWindowBudget:
    """The budget every worker shares, in the AS's database file."""
    return FixedWindowBudget(
        SQLiteStorage(f"sqlite:///{db_path.resolve()}", max_rows=max_rows), limit
    )
