"""The API's tables: stock levels and the reservations made against them, plus demo SKUs.

A fresh data dir starts with ``DEMO_STOCK`` so the demo and the workshop have something to
reserve without a set-up step.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS stock (
    sku      TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0)
);
CREATE TABLE IF NOT EXISTS reservations (
    client_id  TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    sku        TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, order_id)
);
CREATE TABLE IF NOT EXISTS released_reservations (  -- an order id released never reserves again
    client_id   TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL,  -- units returned to stock; 0 if nothing was held
    released_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, order_id)
);
CREATE TABLE IF NOT EXISTS readiness_probe (  -- one row, rewritten by every /healthz
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at REAL NOT NULL
);
"""

DEMO_STOCK = [
    ("WIDGET-1", "Widget", 100),
    ("GADGET-2", "Gadget", 50),
    ("GIZMO-3", "Gizmo", 25),
]
