"""Order workers SIGKILLed under load: every reservation ends as an order or is released, and a
retried ``Idempotency-Key`` never makes a second order.

Real AS, Inventory and Order processes. Client threads place orders, each under its own key,
and retry that key (dropped connection, 409 outstanding, 5xx) until they get a final answer;
meanwhile an Order worker is SIGKILLed every ``KILL_EVERY`` seconds (gunicorn boots a new
one). Then the kill that matters most is made certain: Order is stopped, and the state a
worker killed right after Inventory reserved leaves behind (a reservation, a pending intent)
is written; the restarted Order's reconciler must release it. Once the reconciler has run,
both databases are compared.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from tests.faults.gunicorn_workers import kill_one_worker
from tests.integration.conftest import client_token, oauth_env
from tests.support.processes import wait_until

CLIENTS = 8
KILLS = 6
KILL_EVERY = 1.5
INITIAL_STOCK = 100_000
OUTSTANDING = "A request is outstanding for this Idempotency-Key"
FINAL_ANSWER_WITHIN = 30.0  # a client gives up on a key after this long (never happens)


_stats_lock = threading.Lock()


def count(stats: Counter, what: str) -> None:
    with _stats_lock:
        stats[what] += 1


def place_until_answered(url: str, key: str, quantity: int, stats: Counter) -> requests.Response:
    """One order under one key, retried the way a careful client retries."""
    deadline = time.monotonic() + FINAL_ANSWER_WITHIN
    while time.monotonic() < deadline:
        try:
            resp = requests.post(
                f"{url}/orders",
                json={"sku": "WIDGET-1", "quantity": quantity},
                headers={"Idempotency-Key": f'"{key}"'},
                timeout=10,
            )
        except requests.RequestException:
            count(stats, "dropped connections")
            time.sleep(0.1)
            continue
        outstanding = resp.status_code == 409 and resp.json()["title"] == OUTSTANDING
        if resp.status_code in (201, 409, 422) and not outstanding:
            return resp
        count(stats, f"retried after {resp.status_code}")
        time.sleep(0.2)
    raise AssertionError(f"no final answer for key {key} within {FINAL_ANSWER_WITHIN}s")


def test_killing_order_workers_leaves_no_reservation_without_an_order(
    auth_server_factory, inventory_factory, order_factory
):
    auth = auth_server_factory(workers=1)
    inventory = inventory_factory(auth)
    inventory.cli("stock", "set", "WIDGET-1", str(INITIAL_STOCK))
    secret = auth.create_client("order-service", "inventory:write")
    order = order_factory(
        inventory,
        workers=2,
        ORDER_INTENT_LEASE="2",
        ORDER_RECONCILE_GRACE="1",
        ORDER_RECONCILE_INTERVAL="1",
        **oauth_env(auth, "order-service", secret),
    )
    master = order.proc.pid
    stop = threading.Event()
    stats: Counter = Counter()
    acknowledged: dict[str, tuple[str, int]] = {}  # key -> (order id, quantity)
    lock = threading.Lock()

    def client() -> None:
        rng = random.Random()
        while not stop.is_set():
            key, quantity = str(uuid.uuid4()), rng.randint(1, 3)
            resp = place_until_answered(order.url, key, quantity, stats)
            assert resp.status_code == 201, resp.text
            with lock:
                acknowledged[key] = (resp.json()["id"], quantity)
            # The same key once more, as a client unsure of the first answer would.
            again = place_until_answered(order.url, key, quantity, stats)
            assert (again.status_code, again.json()) == (201, resp.json())

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    killed = []
    try:
        for _ in range(KILLS):
            time.sleep(KILL_EVERY)
            # gunicorn replaces it; two workers serve again before the next kill.
            killed.append(kill_one_worker(master, expected=2))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=FINAL_ANSWER_WITHIN * 2)

    orders_db = sqlite3.connect(
        Path(order.env["ORDER_DATA_DIR"]) / "orders.db", isolation_level=None
    )
    inventory_db = sqlite3.connect(Path(inventory.env["INVENTORY_DATA_DIR"]) / "inventory.db")

    # A worker SIGKILLed between Inventory's reservation and its own completion, for certain.
    order.stop()
    half_made = f"ord_{uuid.uuid4().hex}"
    bearer = {"Authorization": f"Bearer {client_token(auth, 'order-service', secret)}"}
    reserved_at_inventory = requests.post(
        f"{inventory.url}/inventory/WIDGET-1/reservations",
        json={"order_id": half_made, "quantity": 5},
        headers=bearer,
        timeout=10,
    )
    assert reserved_at_inventory.status_code == 201
    orders_db.execute(
        "INSERT INTO orders (id, sku, quantity, status, created_at, lease_until)"
        " VALUES (?, 'WIDGET-1', 5, 'pending', ?, 0)",
        (half_made, int(time.time())),
    )
    order.start()  # the same data dir: the reconciler's first pass runs at start

    def settled() -> bool:
        open_ = orders_db.execute(
            "SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'releasing')"
        ).fetchone()[0]
        return open_ == 0

    wait_until(settled, timeout=20, what="the reconciler to settle every pending intent")

    reserved = dict(
        orders_db.execute("SELECT id, quantity FROM orders WHERE status = 'reserved'").fetchall()
    )
    held = dict(
        inventory_db.execute(
            "SELECT order_id, quantity FROM reservations WHERE client_id = 'order-service'"
        ).fetchall()
    )
    stock = inventory_db.execute("SELECT quantity FROM stock WHERE sku = 'WIDGET-1'").fetchone()[0]
    states = Counter(
        dict(orders_db.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())
    )
    returned = inventory_db.execute(
        "SELECT COUNT(*) FROM released_reservations WHERE quantity > 0"
    ).fetchone()[0]
    print(  # the figures of the experiment (pytest -s shows them)
        f"\nkills={len(killed)} acknowledged={len(acknowledged)} order rows={dict(states)}"
        f" released with stock back={returned} client retries={dict(stats)}"
    )

    assert len(killed) == KILLS
    assert orders_db.execute("SELECT status FROM orders WHERE id = ?", (half_made,)).fetchone() == (
        "released",
    )
    assert returned >= 1
    # Every reservation is an order, every order holds its reservation.
    assert held == reserved
    assert stock == INITIAL_STOCK - sum(reserved.values())
    # Every acknowledged order exists, and no key made a second one.
    assert dict(acknowledged.values()) == reserved
    assert len(acknowledged) == len(reserved)
