"""``/healthz`` is readiness: it says 503, and why, when the database takes no writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import inventory_service.api.readiness as readiness


def test_healthz_says_the_database_is_writable(http):
    resp = http.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "checks": {"database": "writable"}}


def test_healthz_is_503_with_the_reason_when_the_database_cannot_be_written(
    http, settings, monkeypatch
):
    monkeypatch.setattr(readiness, "BUSY_TIMEOUT", 0.1)
    writer = sqlite3.connect(Path(settings["data_dir"]) / "inventory.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        resp = http.get("/healthz")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert resp.status_code == 503
    assert resp.content_type == "application/problem+json"
    body = resp.get_json()
    assert body["title"] == "Not ready"
    assert body["checks"] == {"database": "database is locked"}
    assert "cannot be written" in body["detail"]
    assert http.get("/healthz").status_code == 200
