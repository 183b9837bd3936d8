"""Every table of the authorization server's database, declared once.

One SQLite file, ``<AUTH_DATA_DIR>/auth.db``, holds the client registry, the replay and
revocation records and the failed-authentication counters; every gunicorn worker and the
admin CLI open the same file. ``IF NOT EXISTS`` makes creating the schema safe to race.
"""

from __future__ import annotations

DB_FILE = "auth.db"

CLIENTS = """
CREATE TABLE IF NOT EXISTS clients (
    client_id    TEXT PRIMARY KEY,
    secret_hash  TEXT,
    scopes       TEXT NOT NULL,
    resources    TEXT NOT NULL,
    org_id       TEXT,
    auth_method  TEXT NOT NULL,
    jwks         TEXT,
    disabled     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
"""

# RFC 7523 §3 item 7: a client assertion's jti, kept until the assertion has expired.
SPENT_ASSERTIONS = """
CREATE TABLE IF NOT EXISTS spent_assertions (
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
"""

# RFC 7009: one revoked access token, kept until it would have expired anyway.
REVOKED_TOKENS = """
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
"""

CLIENT_REVOCATIONS = """
CREATE TABLE IF NOT EXISTS client_revocations (
    client_id      TEXT PRIMARY KEY,
    revoked_before INTEGER NOT NULL  -- tokens issued at or before this second are inactive
);
"""

# Fixed windows of failed client authentications (``limits`` keys), see ``throttle.py``.
THROTTLE = """
CREATE TABLE IF NOT EXISTS throttle (
    key        TEXT PRIMARY KEY,
    count      INTEGER NOT NULL,
    expires_at REAL NOT NULL
);
"""
# The sweep of expired windows (every write) reads this index, not the table.
THROTTLE_INDEX = """
CREATE INDEX IF NOT EXISTS throttle_expiry ON throttle (expires_at);
"""

SCHEMA = (
    CLIENTS + SPENT_ASSERTIONS + REVOKED_TOKENS + CLIENT_REVOCATIONS + THROTTLE + THROTTLE_INDEX
)

# With AUTH_DATABASE_URL: the signing keys, each private key a Fernet token
# (AUTH_KEY_ENCRYPTION_KEY), so every replica signs with the same key (postgres_keys.py).
SIGNING_KEYS = """
CREATE TABLE IF NOT EXISTS signing_keys (
    kid         TEXT PRIMARY KEY,
    alg         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT,
    private_key BYTEA NOT NULL
);
"""

# With AUTH_DATABASE_URL: fixed windows of failed client authentications, shared by every
# replica (postgres_budget.py); a float8 window end, where SQLite's REAL is already 8 bytes.
FAILURE_WINDOWS = """
CREATE TABLE IF NOT EXISTS failure_windows (
    key        TEXT PRIMARY KEY,
    count      INTEGER NOT NULL,
    window_end DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS failure_windows_end ON failure_windows (window_end);
"""

POSTGRES_SCHEMA = (
    CLIENTS
    + SPENT_ASSERTIONS
    + REVOKED_TOKENS
    + CLIENT_REVOCATIONS
    + SIGNING_KEYS
    + FAILURE_WINDOWS
)
