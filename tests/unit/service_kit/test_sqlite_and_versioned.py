"""The kit's SQLite plumbing: private files, data version, per-thread snapshots."""

from __future__ import annotations

import stat
import threading

import pytest

from service_kit.sqlite import SqliteDatabase
from service_kit.versioned import VersionedSnapshot

SCHEMA = "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"


@pytest.fixture
def path(tmp_path):
    return tmp_path / "data" / "test.db"


def test_the_database_file_and_its_directory_are_private(path):
    SqliteDatabase(path, SCHEMA)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_failed_transaction_writes_nothing(path):
    db = SqliteDatabase(path, SCHEMA)
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
        raise RuntimeError("half-way")
    assert db.connection().execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0


def test_data_version_moves_on_this_threads_commits_and_on_another_connections(path):
    db = SqliteDatabase(path, SCHEMA)
    other = SqliteDatabase(path, SCHEMA)
    before = db.data_version()
    assert db.data_version() == before
    with db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
    mine = db.data_version()
    assert mine != before
    with other.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('b', 2)")
    assert db.data_version() != mine


def test_a_snapshot_is_read_once_until_any_connection_commits(path):
    db = SqliteDatabase(path, SCHEMA)
    cli = SqliteDatabase(path, SCHEMA)  # as the admin CLI in another process would
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return db.connection().execute("SELECT COUNT(*) FROM t").fetchone()[0]

    snapshot = VersionedSnapshot(db, load)
    assert [snapshot.get(), snapshot.get(), snapshot.get()] == [0, 0, 0]
    assert len(loads) == 1
    with cli.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
    assert snapshot.get() == 1
    with db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('b', 2)")
    assert snapshot.get() == 2
    assert len(loads) == 3


def test_each_thread_keeps_its_own_snapshot(path):
    db = SqliteDatabase(path, SCHEMA)
    snapshot = VersionedSnapshot(db, lambda: threading.get_ident())
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(snapshot.get()))
    thread.start()
    thread.join()
    assert snapshot.get() == threading.get_ident() != seen[0]
