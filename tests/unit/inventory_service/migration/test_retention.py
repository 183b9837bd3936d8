"""Usage retention: rows whose last call is older than the retention go, newer ones stay,
the prune runs at the first fold and then at most once per period, and no window may reach
further back than what is kept."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskCliRunner

from inventory_service import create_app
from inventory_service.config import Settings
from inventory_service.db import Database
from inventory_service.migration.flusher import Flusher
from inventory_service.migration.ledger import Ledger, ToolLedger
from inventory_service.migration.retention import Retention
from inventory_service.migration.usage import UsageRecorder
from inventory_service.migration.usage_detail import UsageDetail
from inventory_service.resource_server.decision import Principal
from inventory_service.resource_server.modes import Credential
from service_kit.settings import ConfigError

DAY = 86400
NOW = 1_800_000_000


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def usage(tmp_path):
    db = Database(tmp_path / "inventory.db")
    flusher = Flusher(db, interval=3600)  # only explicit folds here
    clock = Clock(NOW)
    retention = Retention(keep=90 * DAY, every=3600, clock=clock)
    ledger, detail = Ledger(db, flusher), UsageDetail(db, flusher, clock=clock)
    flusher.add(retention)
    return db, flusher, retention, clock, UsageRecorder(ledger, detail), ToolLedger(db, flusher)


def _call(recorder: UsageRecorder, client_id: str) -> None:
    principal = Principal(client_id, Credential.API_KEY, frozenset({"inventory:read"}), "k1")
    recorder.accepted(principal, "GET /inventory", "inventory:read")


def _clients(db: Database, table: str) -> set[str]:
    rows = db.connection().execute(f"SELECT client_id FROM {table}")  # noqa: S608
    return {row["client_id"] for row in rows}


def _age(db: Database, client_id: str, days: int) -> None:
    """Make ``client_id``'s every usage row look ``days`` old."""
    at = NOW - days * DAY
    with db.transaction() as conn:
        for table, column in (
            ("auth_usage", "last_seen"),
            ("auth_usage_detail", "last_seen"),
            ("mcp_usage", "last_seen"),
            ("auth_last_decision", "at"),
        ):
            conn.execute(
                f"UPDATE {table} SET {column} = ? WHERE client_id = ?",  # noqa: S608
                (at, client_id),
            )


def test_rows_whose_last_call_is_older_than_the_retention_are_pruned(usage):
    db, flusher, retention, _, recorder, tools = usage
    _call(recorder, "gone-job")
    tools.record("gone-job", "get_stock", "accepted")
    _call(recorder, "recent-job")
    flusher.flush()
    _age(db, "gone-job", 91)
    _age(db, "recent-job", 89)
    retention.give_back(0)  # as after a failed fold: due at the next one
    assert flusher.flush()
    for table in ("auth_usage", "auth_usage_detail", "auth_last_decision"):
        assert _clients(db, table) == {"recent-job"}, table
    assert _clients(db, "mcp_usage") == set()
    assert retention.pruned > 0


def test_the_prune_runs_at_the_first_fold_then_at_most_once_per_period(usage):
    retention, clock = usage[2], usage[3]
    assert retention.take() is not None  # the first fold prunes
    assert retention.take() is None
    clock.now += 3599
    assert retention.take() is None
    clock.now += 1
    assert retention.take() == int(clock.now) - 90 * DAY


def test_the_prunes_read_an_index_not_the_table(usage):
    db = usage[0]
    plan = db.connection().execute(
        "EXPLAIN QUERY PLAN DELETE FROM auth_usage WHERE last_seen < ?", (NOW,)
    )
    assert "USING INDEX auth_usage_last_seen" in " ".join(row["detail"] for row in plan)


def test_a_retention_shorter_than_the_evidence_window_is_refused(tmp_path):
    base = {"issuer": "https://as.example", "resource": "https://inv.example"}
    with pytest.raises(ConfigError, match="INVENTORY_USAGE_RETENTION"):
        Settings.load({**base, "evidence_window": "30d", "usage_retention": "7d"})
    assert Settings.load({**base, "usage_retention": "120d"}).usage_retention == 120 * DAY
    assert Settings.load({**base, "evidence_window": "200d"}).usage_retention == 200 * DAY


def test_windows_longer_than_the_retention_are_refused(settings):
    app = create_app({**settings, "usage_retention": "60d"})
    runner = FlaskCliRunner(app)
    purge = runner.invoke(args=["api-keys", "purge", "--unused-for", "61d", "--dry-run"])
    assert purge.exit_code == 2 and "usage retention (60 days" in purge.output
    audit = runner.invoke(args=["api-keys", "audit", "--window", "61d"])
    assert audit.exit_code == 2 and "usage retention" in audit.output


def test_purge_dry_run_names_what_would_go_and_who_blocks_it_and_changes_nothing(api):
    key = api.api_key("reporting-job")
    assert api.get("/inventory", key=key).status_code == 200
    out = FlaskCliRunner(api.app).invoke(
        args=["api-keys", "purge", "--unused-for", "7d", "--dry-run"]
    )
    assert out.exit_code == 1
    preview = json.loads(out.output)
    assert preview["would_purge"] == 1 and preview["clients"] == ["reporting-job"]
    assert [b["client_id"] for b in preview["blockers"]] == ["reporting-job"]
    assert api.get("/inventory", key=key).status_code == 200
    assert api.app.extensions["purge"].last() is None
