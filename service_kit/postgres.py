"""PostgreSQL access shared by the services when a ``*_DATABASE_URL`` names one.

The counterpart of ``sqlite.py`` for several replicas on one database:

- A bounded ``psycopg_pool.ConnectionPool`` per process, opened on first use and again
  after a fork (gunicorn forks workers from a master that may have built the app), so no
  pool thread or socket ever crosses a fork.
- ``transaction()`` is one PostgreSQL transaction; the stores take row locks
  (``SELECT … FOR UPDATE``) or write conditionally where two replicas could race.
- The schema is created under ``pg_advisory_xact_lock``: replicas starting at once
  serialise on the lock, the first creates the tables, the others find them there.
- ``data_version()`` reads one counter row that every write of a snapshotted table bumps
  in its own transaction (``bump``), so ``versioned.py``'s snapshots see a change committed
  by any replica. No notification channel, whose delivery would trail the commit.
- **Commit wait** keeps that read off the hot path without weakening the guarantee. A
  process reuses the counter it read for ``STALENESS_BOUND`` seconds, and a transaction that
  bumped the counter returns only that long after its commit. A request that starts after
  the writer's call returned therefore uses a counter read that began after the commit: the
  change is in force on every replica when the call returns, as with a read per request,
  at one read per process per 100 ms instead of one per request (docs/scaling.md). Only
  administrative writes bump (flips and pins, the sunset, the AS's clients and signing
  keys), so only they wait.
"""

from __future__ import annotations

import os
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

COUNTERS = """
CREATE TABLE IF NOT EXISTS change_counters (
    name    TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
"""

# The errors that mean "the database is not there right now", as opposed to a bug
# (``psycopg_pool.PoolTimeout`` is an ``OperationalError``).
Unavailable = (psycopg.OperationalError, psycopg.InterfaceError)
#: Seconds a starting service waits for its first connection (requests wait 2 s at most).
STARTUP_WAIT = 30
#: How long a process reuses the change counter it read, and how long a transaction that
#: bumped it waits after its commit before returning (the commit wait, module docstring).
STALENESS_BOUND = 0.1


def _still_connected(conn: psycopg.Connection) -> None:
    """The pool's check on checkout, without a round trip: read whatever the server sent
    while the connection sat idle. A server that restarted has hung up, so the read fails
    and the pool opens a fresh connection instead of failing the request."""
    conn.pgconn.consume_input()
    if conn.pgconn.status != psycopg.pq.ConnStatus.OK:
        raise psycopg.OperationalError("the server closed the connection")


class PostgresDatabase:
    """A database named by a URL, with a schema; safe to construct in several replicas at once."""

    def __init__(
        self,
        url: str,
        schema: str,
        *,
        pool_size: int = 4,
        counter: str = "default",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.clock = clock
        self.sleep = sleep
        self.pool_size = pool_size
        self.counter = counter
        self._pool: ConnectionPool | None = None
        self._pool_pid = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        #: (counter, monotonic time its read began); replaced whole, so threads need no lock.
        self._version: tuple[int, float] | None = None
        key = zlib.crc32(schema.encode())  # one advisory lock per schema text
        # At start the first connection may wait longer than a request would: replicas and
        # the database start together (compose), and a busy host is slow to open sessions.
        with self.pool().connection(timeout=STARTUP_WAIT) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
            conn.execute(COUNTERS + schema)
            conn.execute(
                "INSERT INTO change_counters VALUES (%s, 0) ON CONFLICT (name) DO NOTHING",
                (counter,),
            )

    def pool(self) -> ConnectionPool:
        """This process's pool, opened on first use (and anew in a forked child)."""
        if self._pool is None or self._pool_pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ConnectionPool(
                        self.url,
                        min_size=1,
                        max_size=self.pool_size,
                        # Autocommit: a read is one round trip; ``transaction()`` still wraps
                        # writes in BEGIN … COMMIT.
                        kwargs={"row_factory": dict_row, "connect_timeout": 5, "autocommit": True},
                        timeout=2,  # how long a request waits for a connection: fail fast
                        reconnect_timeout=0,  # never give up reconnecting
                        open=True,
                        check=_still_connected,
                    )
                    self._pool_pid = os.getpid()
        return self._pool

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """One transaction on a pooled connection; an exception rolls back and propagates.

        If it ``bump``ed the change counter, it returns ``STALENESS_BOUND`` after the commit:
        by then no replica still uses a counter read before the commit.
        """
        enclosing = getattr(self._local, "bumped", False)  # a transaction() around this one
        self._local.bumped = False
        try:
            with self.pool().connection() as conn, conn.transaction():
                yield conn
            if self._local.bumped:
                self.sleep(STALENESS_BOUND)
        finally:
            self._local.bumped = enclosing

    @contextmanager
    def read(self) -> Iterator[psycopg.Connection]:
        """A pooled connection for single-statement reads, each its own snapshot."""
        with self.pool().connection() as conn:
            yield conn

    def bump(self, conn: psycopg.Connection) -> None:
        """Mark a change to snapshotted rows, inside the ``transaction()`` that makes it."""
        conn.execute(
            "UPDATE change_counters SET version = version + 1 WHERE name = %s", (self.counter,)
        )
        self._local.bumped = True

    def data_version(self) -> int:
        """The change counter: differs from an earlier answer once any replica's call that
        ``bump``ed it has returned. Read at most once per ``STALENESS_BOUND`` per process."""
        cached = self._version
        if cached is not None and self.clock() - cached[1] < STALENESS_BOUND:
            return cached[0]
        started = self.clock()  # before the read: the answer is at least this fresh
        with self.read() as conn:
            row = conn.execute(
                "SELECT version FROM change_counters WHERE name = %s", (self.counter,)
            ).fetchone()
        self._version = (row["version"], started)
        return row["version"]

    def ping(self) -> None:
        """Raises one of ``Unavailable`` when the database cannot be reached."""
        with self.read() as conn:
            conn.execute("SELECT 1")

    def close(self) -> None:
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.close()
        self._pool = None
