"""The kit's SQLite plumbing: private files, data version, per-thread snapshots."""

from __future__ import annotations

import fcntl
import gc
import stat
import subprocess
import sys
import threading

import pytest

from service_kit.private_files import private_database
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


def test_opening_the_same_file_again_keeps_the_first_connections_view_of_changes(path):
    """A second ``SqliteDatabase`` on a file this process has open must not open/close the
    file itself (that would drop the process's POSIX locks); changes keep being seen."""
    first = SqliteDatabase(path, SCHEMA)
    snapshot = VersionedSnapshot(
        first, lambda: first.connection().execute("SELECT COUNT(*) FROM t").fetchone()[0]
    )
    assert snapshot.get() == 0
    second = SqliteDatabase(path, SCHEMA)
    with second.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
    assert snapshot.get() == 1


def test_tightening_an_existing_database_keeps_this_processs_locks_on_it(path):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it, so
    ``private_database`` must not open an existing file. The lock stands in for SQLite's."""
    SqliteDatabase(path, SCHEMA)
    # Its connection sits in a reference cycle: collect it now, or the collector may close
    # it inside the locked block below, dropping the lock for a reason this test is not about.
    gc.collect()
    path.chmod(0o644)
    with path.open("r+b") as held:
        fcntl.lockf(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        private_database(path)
        probe = (
            "import fcntl, sys\n"
            "with open(sys.argv[1], 'r+b') as f:\n"
            "    try:\n"
            "        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
            "    except OSError:\n"
            "        print('held')\n"
            "    else:\n"
            "        print('free')\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True
        )
    assert out.stdout.strip() == "held"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
