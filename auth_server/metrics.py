"""Prometheus metrics. Under gunicorn, ``python -m auth_server`` sets
``PROMETHEUS_MULTIPROC_DIR`` before anything imports prometheus_client, so counters are
summed across workers; under the Flask test client they live in the default registry.
"""

from __future__ import annotations

from prometheus_client import Counter

TOKENS_ISSUED = Counter(
    "auth_tokens_issued", "Access tokens issued by the token endpoint", ["client_id"]
)
CLIENT_AUTH_FAILURES = Counter(
    "auth_client_auth_failures",
    "Failed client authentications (the client id is in the log, not a label)",
    ["endpoint", "reason"],
)
CLIENT_AUTH_THROTTLED = Counter(
    "auth_client_auth_throttled", "Requests refused with 429 after repeated failures", ["endpoint"]
)
