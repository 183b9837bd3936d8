"""Registered clients, API keys and 30 days of usage, written straight into the databases.

``make bench``'s growth curve needs a platform team's state — thousands of clients and keys,
a month of ledger and minute series — in seconds, so this module writes rows with bulk SQL
into the very tables the services use (each service's own schema creates them), instead of
replaying a month of requests. The mix is fixed and seeded, so every run judges the same
data: a third of the clients still on keys, a third moved to tokens (pinned ``token_only``,
as phase 2 does), a third idle; a few with scope refusals and MCP calls. Secrets of the
generated clients and keys are random and thrown away: only the demo's own clients, whose
secrets the bench holds, are ever used to call.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import sqlite3
import time
from pathlib import Path

DAY = 86400
ENDPOINTS = (
    ("GET /inventory", "inventory:read"),
    ("GET /inventory/<sku>", "inventory:read"),
    ("POST /inventory/<sku>/reservations", "inventory:write"),
)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def add_clients(auth_db: Path, count: int, resource: str, seed: int = 1) -> int:
    """``count`` more clients in the AS's registry (``clients`` table); returns how many."""
    rng = random.Random(seed)
    now = int(time.time())
    rows = [
        (
            f"gen-client-{i:05d}",
            hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            rng.choice(("inventory:read", "inventory:read inventory:write")),
            json.dumps([resource]),
            f"org-{i % 50}",
            "client_secret_basic",
            None,
            0,
            now - rng.randrange(60 * DAY),
        )
        for i in range(count)
    ]
    conn = _connect(auth_db)
    conn.executemany("INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()
    return count


def add_keys_and_usage(
    inventory_db: Path, count: int, days: int = 30, seed: int = 1, now: int | None = None
) -> int:
    """``count`` more clients with an API key each, and ``days`` of their usage: the ledger
    (``auth_usage``), usage detail, latest decisions, refusals, MCP calls, the auth-mode
    pins and the per-minute series. Returns the rows written."""
    rng = random.Random(seed)
    now = int(time.time()) if now is None else now
    keys, usage, detail, last, refusals, mcp, pins = [], [], [], [], [], [], []
    for i in range(count):
        client = f"gen-client-{i:05d}"
        key_id = f"{i:012x}"
        scopes = rng.choice(("inventory:read", "inventory:read inventory:write"))
        created = now - days * DAY - rng.randrange(30 * DAY)
        keys.append((key_id, secrets.token_hex(32), client, scopes, created, int(i % 20 == 0)))
        kind = i % 3  # 0 on keys, 1 moved to tokens, 2 idle
        if kind == 2:
            continue
        seen = now - rng.randrange(days * DAY)
        calls = rng.randrange(100, 100_000)
        usage.append((client, "api_key", "accepted", calls, seen - (kind * DAY)))
        endpoints = rng.sample(ENDPOINTS, rng.randrange(1, 3))
        for endpoint, scope in endpoints:
            detail.append((client, "api_key", key_id, endpoint, scope, scopes, calls, seen))
        last.append((client, "accepted", float(seen)))
        if kind == 1:
            usage.append((client, "token", "accepted", calls * 2, seen))
            usage.append((client, "api_key", "refused", rng.randrange(1, 50), seen - 3600))
            for endpoint, scope in endpoints:
                detail.append((client, "token", "", endpoint, scope, scope, calls * 2, seen))
            pins.append((client, "token_only", seen - DAY))
        if i % 10 == 0:
            refusals.append((client, "scope", rng.randrange(1, 20), float(seen), scopes))
            usage.append((client, "token" if kind else "api_key", "refused", 5, seen))
        if i % 7 == 0:
            mcp.append((client, "get_stock", "accepted", rng.randrange(1, 500), seen))
    minutes = []
    first = now - now % 60 - days * DAY
    for minute in range(first, now, 60):
        minutes.append((minute, "api_key", "accepted", rng.randrange(0, 40)))
        minutes.append((minute, "token", "accepted", rng.randrange(0, 60)))
        if minute % 600 == 0:
            minutes.append((minute, "api_key", "refused", rng.randrange(1, 5)))
    conn = _connect(inventory_db)
    conn.executemany(
        "INSERT INTO api_keys (key_id, key_hash, client_id, scopes, created_at, revoked)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        keys,
    )
    conn.executemany("INSERT INTO auth_usage VALUES (?, ?, ?, ?, ?)", usage)
    conn.executemany("INSERT INTO auth_usage_detail VALUES (?, ?, ?, ?, ?, ?, ?, ?)", detail)
    conn.executemany("INSERT INTO auth_last_decision VALUES (?, ?, ?)", last)
    conn.executemany("INSERT INTO auth_refusals VALUES (?, ?, ?, ?, ?)", refusals)
    conn.executemany("INSERT INTO mcp_usage VALUES (?, ?, ?, ?, ?)", mcp)
    conn.executemany("INSERT OR REPLACE INTO auth_modes VALUES (?, ?, ?)", pins)
    conn.executemany("INSERT OR IGNORE INTO auth_usage_minutes VALUES (?, ?, ?, ?)", minutes)
    conn.execute("UPDATE auth_modes SET mode = 'dual' WHERE subject = '*'")
    conn.execute("COMMIT")
    conn.close()
    return sum(map(len, (keys, usage, detail, last, refusals, mcp, pins, minutes)))


def live_bytes(db: Path) -> int:
    """Bytes the database's pages hold, free pages left out (a prune frees pages, a
    ``VACUUM`` would return them to the file system)."""
    conn = sqlite3.connect(db)
    try:
        pages, free, size = (
            conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
    finally:
        conn.close()
    return (pages - free) * size
