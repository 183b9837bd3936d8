"""SQLite access shared by the services: one connection per thread, WAL, immediate writes.

- One connection per thread, since ``sqlite3`` objects must not cross threads.
- WAL, so readers never wait for the writer.
- ``BEGIN IMMEDIATE`` for every write: the write lock is taken up front, so two workers
  reserving the last units (or spending the same assertion) serialise instead of both
  reading "still free" and both writing.
- ``data_version()`` tells a thread whether anything may have changed since it last asked,
  for the per-thread snapshots in ``versioned.py``.

The file is created 0600 before SQLite opens it (``private_files.py``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .private_files import private_database


class SqliteDatabase:
    """A database file with a schema; safe to construct in several processes at once."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = private_database(path)
        self._local = threading.local()
        # executescript manages its own transaction; IF NOT EXISTS makes it safe to race.
        self.connection().executescript(schema)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # timeout= is SQLite's busy timeout: wait for a writer instead of failing.
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            # WAL is a property of the file, set once (``python -m`` does it in the master
            # before gunicorn forks). Asking again in every worker would need an exclusive
            # lock and fail with "database is locked" while a sibling worker holds the file.
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception, a failed commit's too, rolls back
        and propagates, so the connection is never left inside a transaction."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (SQLITE_FULL, SQLITE_IOERR) may leave the transaction open or
            # may already have rolled it back ("Response To Errors Within A Transaction").
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._local.commits = getattr(self._local, "commits", 0) + 1

    def data_version(self) -> tuple[int, int]:
        """Differs from this thread's previous answer if the database may have changed since.

        SQLite's ``PRAGMA data_version`` changes when *another* connection (another thread,
        worker or the CLI) has committed; this thread's own commits through ``transaction``
        are counted alongside, since they leave its connection's ``data_version`` as it was.
        A few microseconds.
        """
        version = self.connection().execute("PRAGMA data_version").fetchone()[0]
        return version, getattr(self._local, "commits", 0)
