"""The migration stores against both engines, as two replicas of the service would open them.

SQLite: two store sets on one data dir (two workers of one host). PostgreSQL: two store sets
through two pools on one database (two replicas on two hosts). Either way each has its own
in-memory counts and its own flusher, and what one folds the other reads: the ledger, the
usage detail, the tool and issuer ledgers add up, an extension and a purge made through one
are in force on the other, and the purge's safety check sees a key used only on the other.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from inventory_service.db import Database
from inventory_service.migration.purge import PurgeRefused
from inventory_service.migration.stores import MigrationStores, open_migration_stores
from inventory_service.resource_server.modes import AuthMode
from inventory_service.stores import SharedStores, open_stores
from service_kit.database_settings import DatabaseSettings
from service_kit.postgres import PostgresDatabase
from tests.support.processes import wait_until

SUNSET = "Wed, 30 Jun 2027 00:00:00 GMT"
AFTER_SUNSET = datetime(2027, 7, 1, tzinfo=UTC).timestamp()

Replica = tuple[SharedStores, MigrationStores]


@pytest.fixture(params=["sqlite", "postgres"])
def replicas(request, tmp_path) -> Iterator[tuple[Replica, Replica]]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    pair = []
    for name in ("a", "b"):
        local = Database(tmp_path / f"{name}.db" if url else tmp_path / "db")
        shared = open_stores(DatabaseSettings(url, pool_size=4), local, AuthMode.DUAL)
        migration = open_migration_stores(
            shared.db, sunset=SUNSET, brownouts=(), migration_docs_url="https://docs.example"
        )
        pair.append((shared, migration))
    yield tuple(pair)
    for shared, _ in pair:  # each PostgreSQL replica's pool; left to the collector, it warns
        if isinstance(shared.db, PostgresDatabase):
            shared.db.close()


def _key_row(migration: MigrationStores, client_id: str) -> dict:
    return next(r for r in migration.ledger.usage() if r["client_id"] == client_id)


def test_key_calls_counted_on_both_replicas_add_up_in_either_ledger(replicas):
    (_, a), (_, b) = replicas
    for _ in range(3):
        a.ledger.record("reporting-job", "api_key", "accepted")
    for _ in range(2):
        b.ledger.record("reporting-job", "api_key", "accepted")
    b.ledger.record("reporting-job", "api_key", "refused")
    b.flusher.flush()  # b's background fold, within a second
    for migration in (a, b):
        row = _key_row(migration, "reporting-job")["api_key"]
        assert (row["accepted"], row["refused"]) == (5, 1)


def test_folds_racing_on_both_replicas_lose_no_count(replicas):
    (_, a), (_, b) = replicas
    clients = [f"client-{i}" for i in range(8)]

    def count_and_fold(migration: MigrationStores) -> None:
        for _ in range(25):
            # Reversed on one replica: the folds touch the same rows in opposite orders.
            for client in clients if migration is a else reversed(clients):
                migration.ledger.record(client, "token", "accepted")
            assert migration.flusher.flush()

    threads = [threading.Thread(target=count_and_fold, args=(m,)) for m in (a, b) * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r["client_id"]: r["token"]["accepted"] for r in b.ledger.usage()} == {
        c: 150 for c in clients
    }


def test_usage_detail_of_both_replicas_adds_up_and_keeps_the_latest(replicas):
    (_, a), (_, b) = replicas
    a.usage_detail.clock = lambda: 1_800_000_000.25
    b.usage_detail.clock = lambda: 1_800_000_030.75
    read, write = frozenset({"inventory:read"}), frozenset({"inventory:read", "inventory:write"})
    a.usage_detail.record_use("order-service", "api_key", "k1", "GET /inventory", "x:read", read)
    b.usage_detail.record_use("order-service", "api_key", "k1", "GET /inventory", "x:read", write)
    a.usage_detail.record_decision("order-service", "api_key", "accepted")
    b.usage_detail.record_decision("order-service", "api_key", "refused")
    b.usage_detail.record_denial("order-service", "scope", read)
    a.usage_detail.record_denial("order-service", "scope", frozenset())
    a.flusher.flush()
    b.flusher.flush()
    (use,) = a.usage_detail.uses()
    assert (use["count"], use["last_seen"], use["granted"]) == (
        2,
        1_800_000_030,
        "inventory:read inventory:write",
    )
    assert a.usage_detail.last_decisions() == {
        "order-service": {"accepted": 1_800_000_000.25, "refused": 1_800_000_030.75}
    }
    assert a.usage_detail.denials()["order-service"]["scope"] == {
        "count": 2,
        "at": 1_800_000_030.75,
        "granted": "inventory:read",
    }
    series = b.usage_detail.per_minute(2)
    assert (series["api_key"], series["refused"]) == ([0, 2], [0, 1])
    assert b.usage_detail.span_minutes(10, 180) == 10


def test_tool_and_issuer_ledgers_of_both_replicas_add_up(replicas):
    (_, a), (_, b) = replicas
    a.tool_ledger.record("inventory-agent", "reserve_stock", "accepted")
    b.tool_ledger.record("inventory-agent", "reserve_stock", "accepted")
    a.issuer_usage.record("order-service", "https://as.example", "accepted")
    b.issuer_usage.record("order-service", "https://as.example", "refused")
    a.flusher.flush()
    b.flusher.flush()
    (tool,) = b.tool_ledger.usage()
    assert (tool["tool"], tool["accepted"], tool["refused"]) == ("reserve_stock", 2, 0)
    (issuer,) = a.issuer_usage.usage()
    assert (issuer["issuer"], issuer["accepted"], issuer["refused"]) == ("https://as.example", 1, 1)


def test_an_extension_made_on_one_replica_is_in_force_on_the_other(replicas):
    (_, a), (_, b) = replicas
    for migration in (a, b):
        migration.cutoff.clock = lambda: AFTER_SUNSET
    assert b.cutoff.refusal() is not None  # the sunset has passed: keys refused
    a.cutoff.extend(datetime(2027, 7, 15, tzinfo=UTC), "reporting-job INC-42")
    a.cutoff.extend(datetime(2027, 7, 20, tzinfo=UTC), "one more week")
    assert b.cutoff.refusal() is None
    assert b.cutoff.status()["sunset"] == "2027-07-20"
    assert b.cutoff.sunset_http_date() == "Tue, 20 Jul 2027 00:00:00 GMT"


def test_the_purge_is_refused_for_a_key_used_only_on_the_other_replica(replicas):
    (shared_a, a), (shared_b, b) = replicas
    shared_a.api_keys.create("reporting-job", ["inventory:read"])
    b.ledger.record("reporting-job", "api_key", "accepted")
    b.flusher.flush()
    with pytest.raises(PurgeRefused) as refused:
        a.purge.run(7 * 86400)
    assert [blocker["client_id"] for blocker in refused.value.blockers] == ["reporting-job"]
    assert len(shared_b.api_keys.list()) == 1 and b.purge.last() is None


def test_a_purge_on_one_replica_removes_every_key_and_the_other_shows_it(replicas):
    (_, a), (shared_b, b) = replicas
    _, key = shared_b.api_keys.create("reporting-job", ["inventory:read"])
    shared_b.api_keys.create("old-job", ["inventory:read"])
    result = a.purge.run(7 * 86400)
    assert (result["key_count"], result["clients"]) == (2, ["old-job", "reporting-job"])
    assert shared_b.api_keys.verify(key) is None and shared_b.api_keys.list() == []
    last = b.purge.last()
    assert (last["key_count"], last["forced"]) == (2, False)
    b.purge.run(7 * 86400, force=True)
    assert b.purge.last()["key_count"] == 0  # the newer record, though made in the same second


def test_both_replicas_watch_since_the_first_start_and_scan_the_same_keys(replicas, tmp_path):
    (shared_a, a), (_, b) = replicas
    assert a.evidence.started_at() == b.evidence.started_at()
    made, key = shared_a.api_keys.create("reporting-job", ["inventory:read"])
    leak = tmp_path / "leak.env"
    leak.write_text(f"KEY={key}\n")
    scanner = b.key_scanner()
    scanner.scan_paths([str(leak)])
    assert json.loads(json.dumps(scanner.report.as_dict()))["live_keys"] == [
        {"location": f"{leak}:1", "key_id": made.key_id, "client_id": "reporting-job"}
    ]


def test_counts_folded_while_postgresql_is_away_are_kept_and_land_when_it_is_back(
    postgres_server, postgres_url, tmp_path, caplog
):
    shared = open_stores(DatabaseSettings(postgres_url), Database(tmp_path / "db"), AuthMode.DUAL)
    migration = open_migration_stores(
        shared.db, sunset=None, brownouts=(), migration_docs_url="https://docs.example"
    )
    migration.ledger.record("reporting-job", "api_key", "accepted")
    postgres_server.stop()
    try:
        assert not migration.flusher.flush()  # given back to the counts, not lost
        migration.ledger.record("reporting-job", "api_key", "accepted")
    finally:
        postgres_server.start()

    def both_counts_landed() -> bool:  # a fold, then a read: each may meet a dead pooled conn
        migration.flusher.flush()
        rows = [r for r in migration.ledger.usage() if r["client_id"] == "reporting-job"]
        return bool(rows) and rows[0]["api_key"]["accepted"] == 2

    wait_until(both_counts_landed, timeout=30, what="both counts once PostgreSQL is back")
    assert "writing usage counts failed" in caplog.text and "Traceback" not in caplog.text
