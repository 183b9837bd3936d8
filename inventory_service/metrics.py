"""Prometheus metrics, summed across gunicorn workers (see ``serve.py``)."""

from __future__ import annotations

from prometheus_client import (
    Counter,
)

AUTH_REQUESTS = Counter(
    "inventory_auth_requests",
    "Authentication decisions by client, credential kind and outcome",
    ["client_id", "method", "outcome"],
)
JWKS_FETCHES = Counter("inventory_jwks_fetches", "JWKS documents fetched from the issuer")
INTROSPECTIONS = Counter(
    "inventory_introspections", "RFC 7662 answers about admin tokens", ["active"]
)
MCP_CALLS = Counter(
    "inventory_mcp_calls",
    "MCP server decisions (inventory_service.mcp) by client, tool and outcome",
    ["client_id", "tool", "outcome"],
)
TOKEN_ISSUERS = Counter(
    "inventory_token_requests",
    "Bearer-token decisions by trusted issuer, client and outcome",
    ["issuer", "client_id", "outcome"],
)
ISSUERS_FILE_RELOADS = Counter(
    "inventory_issuers_file_reloads",
    "INVENTORY_ISSUERS_FILE re-read after an edit, by outcome (loaded, failed: last good kept)",
    ["outcome"],
)
