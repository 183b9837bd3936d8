"""An existing data dir (orders without intents) keeps its orders and takes new ones."""

from __future__ import annotations

import sqlite3

from order_service import create_app
from tests.support.fake_inventory import FakeInventory

OLD_SCHEMA = """
CREATE TABLE orders (
    id TEXT PRIMARY KEY, sku TEXT NOT NULL, quantity INTEGER NOT NULL,
    status TEXT NOT NULL, created_at INTEGER NOT NULL
);
INSERT INTO orders VALUES ('ord_old', 'WIDGET-1', 2, 'reserved', 1700000000);
"""


def test_an_existing_orders_database_is_upgraded_in_place(tmp_path):
    db = sqlite3.connect(tmp_path / "orders.db")
    db.executescript(OLD_SCHEMA)
    db.close()
    inventory = FakeInventory()
    try:
        config = {"inventory_url": inventory.url, "auth": "api_key", "api_key": "ik_a_b",
                  "data_dir": str(tmp_path), "reconcile_interval": 0}  # fmt: skip
        client = create_app(config).test_client()
        create_app(config)  # a second worker starting on the upgraded file changes nothing
        assert client.get("/orders/ord_old").json == {
            "id": "ord_old",
            "sku": "WIDGET-1",
            "quantity": 2,
            "status": "reserved",
            "created_at": 1700000000,
        }
        new = client.post("/orders", json={"sku": "WIDGET-1", "quantity": 1})
        assert new.status_code == 201 and new.json["status"] == "reserved"
    finally:
        inventory.close()
