"""A ``limits`` storage in the AS's own SQLite file, shared by every gunicorn worker.

``limits`` ships memory, Redis, Memcached and MongoDB storages. Memory is per worker (with
two workers an attacker would get twice the budget, more with more workers), and a demo
should not need a Redis. So this is the fixed-window part of the ``limits`` Storage
interface over one table: ``BEGIN IMMEDIATE`` makes each increment atomic across
processes. Only failed client authentications write here; a successful request costs
one indexed read.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from limits.storage import Storage

TABLE = """
CREATE TABLE IF NOT EXISTS throttle (
    key        TEXT PRIMARY KEY,
    count      INTEGER NOT NULL,
    expires_at REAL NOT NULL
)
"""


class SQLiteStorage(Storage):
    """``sqlite:///absolute/path.db``, registered with ``limits`` by its scheme."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        self.path = Path(urlsplit(uri).path)
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
            conn.execute(TABLE)
            self._local.conn = conn
        return conn

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM throttle WHERE key = ? AND expires_at <= ?", (key, now))
            db.execute(
                "INSERT INTO throttle VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count",
                (key, amount, now + expiry),
            )
            count = db.execute("SELECT count FROM throttle WHERE key = ?", (key,)).fetchone()[0]
            if amount and count % 100 == 0:  # now and then, sweep expired windows
                db.execute("DELETE FROM throttle WHERE expires_at <= ?", (now,))
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
