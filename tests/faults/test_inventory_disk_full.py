"""A full disk under Inventory: health says so, usage counts wait in memory and none is lost.

The database lives on a real, small tmpfs (``mount -t tmpfs``, so the test needs the
privilege to mount; it is skipped without it) behind a symlink in the data dir; a filler
file takes the last free byte, so SQLite itself answers ``database or disk is full``.
Deleting the filler is the disk getting space back. A second experiment stops Inventory
with SIGTERM before any periodic fold: the counts still land (the final fold at exit).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.processes import wait_until

CALLS_BEFORE, CALLS_DURING = 10, 40


@contextlib.contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> Path:
    """Write zeros until the tmpfs refuses (ENOSPC); the file is the disk's last byte."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        chunk = b"\0" * 65536
        try:
            while True:
                out.write(chunk)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    for size in (4096, 512, 1):  # the last partial chunk's worth
        with contextlib.suppress(OSError), filler.open("ab") as out:
            while True:
                out.write(b"\0" * size)
                out.flush()
    return filler


def accepted_by_key(db_path: Path, client_id: str) -> int:
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        row = db.execute(
            "SELECT count FROM auth_usage WHERE client_id = ? AND method = 'api_key'"
            " AND outcome = 'accepted'",
            (client_id,),
        ).fetchone()
    return row[0] if row else 0


def test_a_full_disk_makes_healthz_503_and_loses_no_usage_counts_once_space_returns(
    tmp_path, auth_server_factory, inventory_factory
):
    auth = auth_server_factory(workers=1)
    with small_disk(tmp_path / "disk") as disk:
        data_dir = tmp_path / "inventory-data"
        data_dir.mkdir(mode=0o700)
        (disk / "inventory.db").touch(mode=0o600)
        os.symlink(disk / "inventory.db", data_dir / "inventory.db")
        inventory = inventory_factory(auth, workers=1, INVENTORY_DATA_DIR=str(data_dir))
        key = {"X-API-Key": inventory.api_key("reporting-job")}
        with requests.Session() as http:
            # A connection per request: the waits below outlast the server's 1 s keep-alive,
            # and a pooled connection it closed meanwhile would end a request with a reset.
            http.headers["Connection"] = "close"
            for _ in range(CALLS_BEFORE):
                assert http.get(f"{inventory.url}/inventory", headers=key).status_code == 200
            db = data_dir / "inventory.db"
            wait_until(lambda: accepted_by_key(db, "reporting-job") == CALLS_BEFORE)

            filler = fill(disk)
            for _ in range(CALLS_DURING):  # reads still work; their counts wait in memory
                assert http.get(f"{inventory.url}/inventory", headers=key).status_code == 200
            health = http.get(f"{inventory.url}/healthz")
            assert health.status_code == 503
            assert health.headers["Content-Type"] == "application/problem+json"
            assert health.json()["checks"] == {"database": "database or disk is full"}
            wait_until(
                lambda: (
                    "writing usage counts failed (database or disk is full)" in inventory.logs()
                ),
                what="the flusher to log its failure",
            )
            assert accepted_by_key(db, "reporting-job") == CALLS_BEFORE

            filler.unlink()  # space returns
            wait_until(lambda: http.get(f"{inventory.url}/healthz").status_code == 200)
            wait_until(
                lambda: accepted_by_key(db, "reporting-job") == CALLS_BEFORE + CALLS_DURING,
                what="every count counted during the outage",
            )
            reserved = http.post(
                f"{inventory.url}/inventory/WIDGET-1/reservations",
                json={"order_id": "after-the-outage", "quantity": 1},
                headers=key,
            )
            assert reserved.status_code == 201
        log = inventory.logs()
        print("\n".join(line for line in log.splitlines() if "usage counts" in line))
        assert "usage counts written again after" in log
        assert "Traceback" not in log
        inventory.stop()
        with contextlib.closing(sqlite3.connect(db)) as check:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_sigterm_folds_the_counts_no_periodic_fold_has_written(
    auth_server_factory, inventory_factory
):
    auth = auth_server_factory(workers=1)
    inventory = inventory_factory(auth, workers=2, INVENTORY_USAGE_FLUSH_INTERVAL="3600")
    key = {"X-API-Key": inventory.api_key("reporting-job")}
    with requests.Session() as http:
        for _ in range(CALLS_BEFORE):
            assert http.get(f"{inventory.url}/inventory", headers=key).status_code == 200
    db = Path(inventory.env["INVENTORY_DATA_DIR"]) / "inventory.db"
    assert accepted_by_key(db, "reporting-job") == 0  # nothing folded yet
    inventory.stop()  # SIGTERM: gunicorn stops its workers gracefully
    assert accepted_by_key(db, "reporting-job") == CALLS_BEFORE
    log = inventory.log_path.read_text()
    assert "Worker exiting" in log
    assert "Logging error" not in log and "Traceback" not in log
