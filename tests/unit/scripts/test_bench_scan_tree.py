"""The scan bench's tree: ``api-keys scan``'s scanner finds every planted live key at its
place, reports no other, and sees the revoked keys and look-alikes without reporting them.
``make bench`` checks the same on the ≥ 300 MB tree; this is the small tree, no timing."""

from __future__ import annotations

from inventory_service.db import DB_FILE, Database
from inventory_service.migration.key_scan import KeyScanner
from scripts.bench_scan import check
from scripts.bench_scan_tree import build


def test_every_planted_live_key_is_found_and_nothing_else_is_reported(tmp_path):
    tree = build(tmp_path / "scan", megabytes=2)
    assert tree.manifest["bytes"] >= 2_000_000
    scanner = KeyScanner(Database(tree.data_dir / DB_FILE))
    scanner.scan_paths([str(tree.root)])
    checked = check(scanner.report.as_dict(), tree)
    assert checked["planted_live"] == 6  # two places in each of three shards
    assert checked["missed_live"] == 0 and checked["false_live_reports"] == 0
    assert checked["revoked_seen"] == checked["revoked_planted"] == 3
    assert checked["look_alikes_seen"] == checked["look_alikes_planted"] == 3


def test_a_tree_already_built_for_the_same_request_is_reused(tmp_path):
    first = build(tmp_path / "scan", megabytes=1)
    marker = first.root / "shard-000" / "kept"
    marker.write_text("")
    assert build(tmp_path / "scan", megabytes=1).manifest == first.manifest
    assert marker.exists()
    build(tmp_path / "scan", megabytes=2)
    assert not marker.exists()
