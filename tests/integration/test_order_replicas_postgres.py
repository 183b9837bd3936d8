"""Two Order replicas, each with its own data dir, on one PostgreSQL: a keyed order retried on
the other replica replays the first, and every order can be read through either."""

from __future__ import annotations

import uuid

import requests


def test_a_keyed_order_retried_on_the_other_replica_is_placed_once(
    auth_server, inventory_factory, order_factory, postgres_url
):
    inventory = inventory_factory(auth_server)
    key = inventory.api_key("order-service", "inventory:read inventory:write")
    shared = {"ORDER_AUTH": "api_key", "ORDER_API_KEY": key, "ORDER_DATABASE_URL": postgres_url}
    a, b = order_factory(inventory, **shared), order_factory(inventory, **shared)
    before = requests.get(f"{inventory.url}/inventory/GADGET-2", headers={"X-API-Key": key},
                          timeout=5).json()["quantity"]  # fmt: skip
    body, headers = {"sku": "GADGET-2", "quantity": 3}, {"Idempotency-Key": uuid.uuid4().hex}

    first = requests.post(f"{a.url}/orders", json=body, headers=headers, timeout=10)
    retry = requests.post(f"{b.url}/orders", json=body, headers=headers, timeout=10)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"]
    assert requests.get(f"{b.url}/orders/{first.json()['id']}", timeout=5).status_code == 200
    after = requests.get(f"{inventory.url}/inventory/GADGET-2", headers={"X-API-Key": key},
                         timeout=5).json()["quantity"]  # fmt: skip
    assert after == before - 3
