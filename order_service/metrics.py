"""Prometheus metrics, summed across gunicorn workers (see ``serve.py``)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)

TOKEN_FETCHES = Counter(
    "order_token_fetches", "Access tokens fetched from the authorization server"
)
INVENTORY_CALLS = Counter("order_inventory_calls", "HTTP calls made to Inventory", ["auth"])


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
