"""The migration tooling's tables: usage counts, usage detail, the cutoff and the purges.

``auth_usage`` counts REST authentication decisions per client and credential kind;
``mcp_usage`` counts the MCP server's decisions per client and tool (written by
``inventory_service.mcp``, read by the cockpit). ``auth_usage_detail`` /
``auth_usage_minutes`` / ``auth_last_decision`` / ``auth_refusals`` hold what right-sizing
scopes and the dashboard need, ``evidence_watch`` since when it has watched;
``api_key_sunset_extensions`` and ``api_key_purges`` record operator actions;
``token_issuer_usage`` counts token decisions per trusted issuer (``issuer_usage.py``).
Rows older than the usage retention are pruned (``retention.py``).
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_usage (
    client_id TEXT NOT NULL,
    method    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    count     INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (client_id, method, outcome)
);
CREATE TABLE IF NOT EXISTS mcp_usage (
    client_id TEXT NOT NULL,
    tool      TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    count     INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (client_id, tool, outcome)
);
CREATE TABLE IF NOT EXISTS auth_usage_detail (
    client_id TEXT NOT NULL,
    method    TEXT NOT NULL,           -- api_key | token
    key_id    TEXT NOT NULL,           -- the API key's id; '' for tokens
    endpoint  TEXT NOT NULL,           -- e.g. 'GET /inventory/<sku>'
    scope     TEXT NOT NULL,           -- the scope that endpoint needs
    granted   TEXT NOT NULL,           -- the credential's scopes at its latest call
    count     INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (client_id, method, key_id, endpoint)
);
CREATE TABLE IF NOT EXISTS auth_usage_minutes (
    minute  INTEGER NOT NULL,          -- unix time of the minute's start
    method  TEXT NOT NULL,
    outcome TEXT NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (minute, method, outcome)
);
CREATE TABLE IF NOT EXISTS auth_last_decision (
    client_id TEXT NOT NULL,
    outcome   TEXT NOT NULL,           -- accepted | refused
    at        REAL NOT NULL,           -- sub-second, so "refused after accepted" is exact
    PRIMARY KEY (client_id, outcome)
);
CREATE TABLE IF NOT EXISTS auth_refusals (
    client_id TEXT NOT NULL,
    cause     TEXT NOT NULL,           -- scope | validation: refusals the migration does not cause
    count     INTEGER NOT NULL,
    at        REAL NOT NULL,
    granted   TEXT NOT NULL,           -- the token's scopes, when it was valid
    PRIMARY KEY (client_id, cause)
);
CREATE TABLE IF NOT EXISTS evidence_watch (
    started_at INTEGER NOT NULL        -- when this Inventory first watched its keys
);
CREATE TABLE IF NOT EXISTS api_key_sunset_extensions (
    until      INTEGER NOT NULL,  -- unix time the keys keep working until
    reason     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_key_purges (
    purged_at  INTEGER NOT NULL,
    key_count  INTEGER NOT NULL,
    clients    TEXT NOT NULL,     -- JSON list of the clients whose keys went
    forced     INTEGER NOT NULL,
    blockers   TEXT NOT NULL      -- JSON: who was still on keys when --force was used
);
CREATE TABLE IF NOT EXISTS token_issuer_usage (
    client_id TEXT NOT NULL,
    issuer    TEXT NOT NULL,           -- the token's iss, one of the trusted issuers
    outcome   TEXT NOT NULL,           -- accepted | refused
    count     INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (client_id, issuer, outcome)
);
-- The retention's prunes (retention.py) read these, never the whole table.
CREATE INDEX IF NOT EXISTS auth_usage_last_seen ON auth_usage (last_seen);
CREATE INDEX IF NOT EXISTS auth_usage_detail_last_seen ON auth_usage_detail (last_seen);
CREATE INDEX IF NOT EXISTS mcp_usage_last_seen ON mcp_usage (last_seen);
CREATE INDEX IF NOT EXISTS token_issuer_usage_last_seen ON token_issuer_usage (last_seen);
CREATE INDEX IF NOT EXISTS auth_last_decision_at ON auth_last_decision (at);
CREATE INDEX IF NOT EXISTS auth_refusals_at ON auth_refusals (at);
"""
