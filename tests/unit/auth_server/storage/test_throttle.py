"""The shared failure budget keeps its table bounded, whatever keys callers invent."""

from __future__ import annotations

import sqlite3
import time

from auth_server import create_app
from auth_server.storage.throttle import sqlite_failure_budget

from ..conftest import basic


def _rows(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM throttle").fetchone()[0]


def test_a_flood_of_unique_keys_stays_under_the_row_cap(tmp_path):
    path = tmp_path / "auth.db"
    budget = sqlite_failure_budget(path, "20/minute", max_rows=100)
    for i in range(400):
        budget.spend(f"client|flood-{i}")
    assert _rows(path) == 100
    budget.spend("client|latest")
    assert not budget.exhausted("client|latest") and _rows(path) == 100


def test_expired_windows_are_swept_by_the_next_write_whatever_its_key(tmp_path, monkeypatch):
    path = tmp_path / "auth.db"
    budget = sqlite_failure_budget(path, "20/second")
    for i in range(300):
        budget.spend(f"peer|10.0.{i // 256}.{i % 256}")
    later = time.time() + 2
    monkeypatch.setattr(time, "time", lambda: later)
    budget.spend("peer|10.9.9.9")
    assert _rows(path) == 1


def test_unique_client_ids_flooded_through_the_token_endpoint_leave_a_bounded_table(settings):
    """One caller inventing client ids: its peer budget stops the writes, not just the 401s."""
    app = create_app(settings)
    http = app.test_client()
    for i in range(300):
        http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(f"made-up-{i}", "wrong"),
        )
    assert _rows(app.extensions["auth_settings"].data_dir / "auth.db") <= 21  # peer + 20 ids
