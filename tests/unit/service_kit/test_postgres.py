"""The kit's PostgreSQL plumbing: schema races, transactions, the change counter, the pool."""

from __future__ import annotations

import threading
import time

import pytest

from service_kit.database_settings import DatabaseSettings
from service_kit.postgres import STALENESS_BOUND, PostgresDatabase
from service_kit.settings import ConfigError, Environment
from service_kit.versioned import VersionedSnapshot

SCHEMA = "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"


@pytest.fixture
def database(postgres_url):
    """Opens ``PostgresDatabase``s on the test's database and closes their pools afterwards
    (a pool left to the garbage collector waits for its worker threads, up to 5 s)."""
    opened: list[PostgresDatabase] = []

    def open_database(**options) -> PostgresDatabase:
        opened.append(PostgresDatabase(postgres_url, SCHEMA, **options))
        return opened[-1]

    yield open_database
    for db in opened:
        db.close()


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "postgres://u:p@h:5433/db"])
def test_a_postgresql_url_chooses_postgres(url):
    settings = DatabaseSettings.load(Environment("X_", {"database_url": url}))
    assert settings.postgres
    assert "u:p" not in repr(settings)


def test_no_url_keeps_sqlite():
    assert not DatabaseSettings.load(Environment("X_", {"database_url": ""})).postgres


@pytest.mark.parametrize("url", ["sqlite:///x.db", "mysql://h/db", "localhost"])
def test_any_other_url_is_refused_at_start_naming_the_variable(url):
    with pytest.raises(ConfigError, match="X_DATABASE_URL must be a postgresql:// URL"):
        DatabaseSettings.load(Environment("X_", {"database_url": url}))


def test_the_pool_size_is_bounded():
    with pytest.raises(ConfigError, match="X_DATABASE_POOL_SIZE must be between 1 and 64"):
        DatabaseSettings.load(Environment("X_", {"database_pool_size": "0"}))


def test_replicas_starting_at_once_all_find_one_schema(postgres_url):
    errors: list[BaseException] = []

    def start() -> None:
        try:
            PostgresDatabase(postgres_url, SCHEMA, pool_size=1).close()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_failed_transaction_writes_nothing(database):
    db = database()
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
        raise RuntimeError("half-way")
    with db.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) AS n FROM t").fetchone()["n"] == 0


def test_a_bump_on_one_replica_refreshes_the_other_replicas_snapshot(database):
    a = database()
    b = database()

    def read() -> int:
        with b.transaction() as conn:
            return conn.execute("SELECT COUNT(*) AS n FROM t").fetchone()["n"]

    snapshot = VersionedSnapshot(b, read)
    assert snapshot.get() == 0
    with a.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
        a.bump(conn)
    assert snapshot.get() == 1


def test_a_change_is_in_force_on_the_other_replica_when_the_writers_call_returns(database):
    """The commit wait: the writer returns ``STALENESS_BOUND`` after its commit, by when the
    reader's cached counter (read before the commit) has expired."""
    writer = database()
    reader = database()
    before = reader.data_version()  # now cached in the reader's process
    started = time.monotonic()
    with writer.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('flip', 1)")
        writer.bump(conn)
        committing = time.monotonic()
    assert time.monotonic() - committing >= STALENESS_BOUND
    assert reader.data_version() != before, f"stale after {time.monotonic() - started:.3f} s"


def test_a_transaction_that_bumps_nothing_does_not_wait(database):
    slept: list[float] = []
    db = database(sleep=slept.append)
    with db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
    with pytest.raises(RuntimeError), db.transaction() as conn:
        db.bump(conn)
        raise RuntimeError("rolled back: nothing changed, nothing to wait for")
    with db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('b', 1)")
    assert slept == []
    with db.transaction() as conn:
        db.bump(conn)
    assert slept == [STALENESS_BOUND]


def test_a_transaction_opened_inside_another_leaves_the_outer_ones_wait_in_place(database):
    slept: list[float] = []
    db = database(sleep=slept.append)
    with db.transaction() as outer:
        db.bump(outer)
        with db.transaction() as inner:
            inner.execute("INSERT INTO t VALUES ('inner', 1)")
        assert slept == []
    assert slept == [STALENESS_BOUND]


def test_a_process_reads_the_counter_at_most_once_per_staleness_bound(database):
    now = [1000.0]
    db = database(clock=lambda: now[0])
    first = db.data_version()
    with db.read() as conn:  # a commit that skips the commit wait, so only the clock decides
        conn.execute("UPDATE change_counters SET version = version + 1 WHERE name = 'default'")
    now[0] += STALENESS_BOUND * 0.99
    assert db.data_version() == first
    now[0] += STALENESS_BOUND * 0.02
    assert db.data_version() == first + 1


def test_the_pool_never_holds_more_connections_than_its_size(database):
    db = database(pool_size=2)
    barrier = threading.Barrier(6)

    def work() -> None:
        barrier.wait()
        with db.transaction() as conn:
            conn.execute("SELECT pg_sleep(0.05)")

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.pool().get_stats()["pool_size"] <= 2
