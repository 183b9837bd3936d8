"""The AS stopped, Inventory workers SIGKILLed: orders on a cached, valid token keep succeeding.

Real AS, Inventory and Order processes. Order gets its token and Inventory its JWKS while the
AS is up; then the AS is stopped for good, and an Inventory worker is SIGKILLed every
``KILL_EVERY`` seconds while client threads place orders. Each new worker cannot fetch the
JWKS; it starts with the last good copy saved in the data dir, so Order's token stays valid
everywhere and nothing answers 401.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import requests

from tests.faults.gunicorn_workers import kill_one_worker
from tests.integration.conftest import oauth_env

CLIENTS = 4
KILLS = 3
KILL_EVERY = 2.0
INITIAL_STOCK = 100_000


def test_orders_on_a_cached_token_succeed_while_the_as_is_down_and_inventory_restarts(
    auth_server_factory, inventory_factory, order_factory
):
    auth = auth_server_factory(workers=1)
    secret = auth.create_client("order-service", "inventory:write")
    inventory = inventory_factory(auth, workers=2)
    inventory.cli("stock", "set", "WIDGET-1", str(INITIAL_STOCK))
    order = order_factory(inventory, workers=2, **oauth_env(auth, "order-service", secret))
    # Each Order worker fetches its token, each Inventory worker its JWKS, while the AS is up.
    for _ in range(20):
        resp = requests.post(f"{order.url}/orders", json={"sku": "WIDGET-1", "quantity": 1})
        assert resp.status_code == 201, resp.text
    auth.stop()

    stop = threading.Event()
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def client() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                resp = session.post(
                    f"{order.url}/orders", json={"sku": "WIDGET-1", "quantity": 1}, timeout=10
                )
                outcome = str(resp.status_code)
            except requests.RequestException:
                outcome = "dropped"
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    master, killed = inventory.proc.pid, []
    try:
        for _ in range(KILLS):
            time.sleep(KILL_EVERY)
            killed.append(kill_one_worker(master, expected=2))
        time.sleep(KILL_EVERY)  # the replacements serve for a while, with the AS still down
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)

    total = sum(outcomes.values())
    print(f"\nkills={len(killed)} orders={total} outcomes={dict(outcomes)}")
    assert len(killed) == KILLS
    assert total >= 100
    assert outcomes["201"] / total >= 0.99, dict(outcomes)
    assert not any(code in outcomes for code in ("401", "403"))
