"""The resource server's tables: legacy API keys (hashed) and the auth-mode flags.

``SCHEMA`` serves SQLite and PostgreSQL alike; ``SQLITE_SCHEMA`` is the flags' change
counter, kept by SQLite triggers (``flags.FlagChanges``).
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id     TEXT PRIMARY KEY,
    key_hash   TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS auth_modes (
    subject    TEXT PRIMARY KEY,  -- '*' for the global mode, else a client id
    mode       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
"""

# SQLite only (PostgreSQL's flags have their own change check, postgres_flags.py):
SQLITE_SCHEMA = """
-- Moves with every change to auth_modes, in the same transaction (flags.py reads the flags
-- again only when it moved, not after every commit to the database).
CREATE TABLE IF NOT EXISTS auth_modes_version (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    n  INTEGER NOT NULL
);
INSERT OR IGNORE INTO auth_modes_version VALUES (0, 0);
CREATE TRIGGER IF NOT EXISTS auth_modes_inserted AFTER INSERT ON auth_modes
BEGIN UPDATE auth_modes_version SET n = n + 1; END;
CREATE TRIGGER IF NOT EXISTS auth_modes_updated AFTER UPDATE ON auth_modes
BEGIN UPDATE auth_modes_version SET n = n + 1; END;
CREATE TRIGGER IF NOT EXISTS auth_modes_deleted AFTER DELETE ON auth_modes
BEGIN UPDATE auth_modes_version SET n = n + 1; END;
"""
