"""Prometheus metrics, summed across gunicorn workers (see ``serve.py``)."""

from __future__ import annotations

from prometheus_client import (
    Counter,
)

TOKEN_FETCHES = Counter(
    "order_token_fetches", "Access tokens fetched from the authorization server"
)
INVENTORY_CALLS = Counter("order_inventory_calls", "HTTP calls made to Inventory", ["auth"])
INTENTS_RECONCILED = Counter(
    "order_intents_reconciled",
    "Order intents the reconciler released at Inventory (reservation held or not)",
    ["outcome"],
)
