"""The kit's PostgreSQL plumbing: schema races, transactions, the change counter, the pool."""

from __future__ import annotations

import threading

import pytest

from service_kit.database_settings import DatabaseSettings
from service_kit.postgres import PostgresDatabase
from service_kit.settings import ConfigError, Environment
from service_kit.versioned import VersionedSnapshot

SCHEMA = "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"


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


def test_a_failed_transaction_writes_nothing(postgres_url):
    db = PostgresDatabase(postgres_url, SCHEMA)
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
        raise RuntimeError("half-way")
    with db.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) AS n FROM t").fetchone()["n"] == 0


def test_a_bump_on_one_replica_refreshes_the_other_replicas_snapshot(postgres_url):
    a = PostgresDatabase(postgres_url, SCHEMA)
    b = PostgresDatabase(postgres_url, SCHEMA)

    def read() -> int:
        with b.transaction() as conn:
            return conn.execute("SELECT COUNT(*) AS n FROM t").fetchone()["n"]

    snapshot = VersionedSnapshot(b, read)
    assert snapshot.get() == 0
    with a.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
        a.bump(conn)
    assert snapshot.get() == 1


def test_the_pool_never_holds_more_connections_than_its_size(postgres_url):
    db = PostgresDatabase(postgres_url, SCHEMA, pool_size=2)
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
