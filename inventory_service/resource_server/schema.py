"""The resource server's tables: legacy API keys (hashed) and the auth-mode flags."""

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
