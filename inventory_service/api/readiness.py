"""Readiness: can this process still write its database? ``/healthz`` of REST and MCP ask.

Reading is not enough: on a full disk every ``SELECT`` succeeds while every reservation
fails, so a read-only check would keep the service in rotation while it answers 500s. The
probe rewrites the one row of ``readiness_probe`` (``schema.py``) in its own small
transaction on its own connection (a short busy timeout, so a long writer elsewhere makes
the probe say "locked", not hang the health check).
In WAL mode that appends a frame to the log, which is exactly what a reservation needs too.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_TIMEOUT = 2.0


def database_write_error(path: Path) -> str | None:
    """``None`` when a write to the database at ``path`` commits, else SQLite's reason."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO readiness_probe VALUES (1, ?)"
            " ON CONFLICT (id) DO UPDATE SET at = excluded.at",
            (time.time(),),
        )
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return str(exc)
    finally:
        conn.close()
    return None


def not_ready_detail(error: str) -> str:
    return f"The database cannot be written ({error}); reads may work, writes fail."
