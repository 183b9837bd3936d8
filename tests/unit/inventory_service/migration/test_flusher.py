"""The usage flusher: a fold that fails keeps its counts, says so, and a later one writes them.

The failure is SQLite's own ``database or disk is full`` (SQLITE_FULL), produced by capping
the file with ``PRAGMA max_page_count`` on the connection the fold runs on.
"""

from __future__ import annotations

import logging

import pytest

from inventory_service.db import Database
from inventory_service.migration.flusher import Flusher
from inventory_service.migration.ledger import Ledger
from inventory_service.migration.usage import UsageRecorder
from inventory_service.migration.usage_detail import UsageDetail
from inventory_service.resource_server.decision import Principal
from inventory_service.resource_server.modes import Credential

CLIENTS = 300  # enough new rows that the fold needs new pages


@pytest.fixture
def counting(tmp_path):
    db = Database(tmp_path / "inventory.db")
    flusher = Flusher(db, interval=3600)  # only explicit folds here
    ledger, detail = Ledger(db, flusher), UsageDetail(db, flusher)
    return db, flusher, ledger, detail, UsageRecorder(ledger, detail)


def _fill(db: Database) -> None:
    """From now on this thread's connection cannot grow the file: SQLITE_FULL."""
    conn = db.connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def _make_room(db: Database) -> None:
    db.connection().execute("PRAGMA max_page_count = 1073741823")


def _record(recorder: UsageRecorder) -> None:
    for i in range(CLIENTS):
        principal = Principal(f"client-{i}", Credential.TOKEN, frozenset({"inventory:read"}))
        recorder.accepted(principal, "GET /inventory", "inventory:read")
        recorder.refused(f"client-{i}", Credential.API_KEY)


def test_a_fold_on_a_full_disk_loses_no_counts_once_space_returns(counting, caplog):
    db, flusher, ledger, detail, recorder = counting
    _fill(db)
    _record(recorder)
    with caplog.at_level(logging.ERROR, "inventory_service.migration.flusher"):
        assert flusher.flush() is False
        _record(recorder)  # counted while the disk is full
        assert flusher.flush() is False
    assert "database or disk is full" in caplog.text
    assert flusher.failing_since is not None
    assert db.connection().execute("SELECT COUNT(*) FROM auth_usage").fetchone()[0] == 0

    _make_room(db)
    assert flusher.flush() is True
    assert flusher.failing_since is None
    usage = {row["client_id"]: row for row in ledger.usage()}
    assert len(usage) == CLIENTS
    assert all(row["token"]["accepted"] == 2 for row in usage.values())
    assert all(row["api_key"]["refused"] == 2 for row in usage.values())
    assert sum(use["count"] for use in detail.uses()) == 2 * CLIENTS
    assert sum(sum(v) for v in detail.per_minute(2).values()) == 2 * (2 * CLIENTS) + 2 * CLIENTS
    assert db.connection().execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_readers_on_a_full_disk_answer_from_what_is_written(counting):
    db, flusher, ledger, _, recorder = counting
    _record(recorder)
    assert flusher.flush()
    _fill(db)
    _record(recorder)
    assert {row["token"]["accepted"] for row in ledger.usage()} == {1}  # no exception
    _make_room(db)
    assert {row["token"]["accepted"] for row in ledger.usage()} == {2}


def test_counts_waiting_for_a_fold_are_bounded(counting, monkeypatch, caplog):
    import inventory_service.migration.ledger as ledger_module

    db, flusher, ledger, _, recorder = counting
    monkeypatch.setattr(ledger_module, "MAX_KEYS", 100)
    _fill(db)
    _record(recorder)
    with caplog.at_level(logging.ERROR, "inventory_service.migration.flusher"):
        assert flusher.flush() is False
    assert len(ledger._pending) == 100
    assert "keys dropped while the database cannot be written" in caplog.text
    _make_room(db)
    assert flusher.flush() is True
