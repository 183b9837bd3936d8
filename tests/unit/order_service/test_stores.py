"""Orders and intents against both engines, as two Order replicas would open them: an
Idempotency-Key seen by both at once makes one intent, and each move is won once."""

from __future__ import annotations

import threading

import pytest

from order_service.config import Settings
from order_service.intents import OrderStatus
from order_service.stores import open_stores


@pytest.fixture(params=["sqlite", "postgres"])
def replicas(request, tmp_path):
    config = {"inventory_url": "http://inventory.test", "data_dir": str(tmp_path),
              "auth": "api_key", "api_key": "ik_x_y"}  # fmt: skip
    if request.param == "postgres":
        config["database_url"] = request.getfixturevalue("postgres_url")
    opened = [open_stores(Settings.load(config)) for _ in range(2)]
    yield opened
    if request.param == "postgres":  # each replica's pool; left to the collector, it warns
        for orders, _ in opened:
            orders.db.close()


def test_one_key_racing_on_two_replicas_makes_one_intent(replicas):
    states = []

    def begin(orders, intents):
        states.append(intents.begin_keyed("key-1", "fp", orders.new_id(), "WIDGET-1", 2))

    threads = [threading.Thread(target=begin, args=r) for r in replicas * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(s.created for s in states) == 1
    assert len({s.order_id for s in states}) == 1


def test_an_order_completed_on_one_replica_is_read_and_replayed_on_the_other(replicas):
    (orders_a, intents_a), (orders_b, intents_b) = replicas
    state = intents_a.begin_keyed("key-2", "fp", orders_a.new_id(), "WIDGET-1", 1)
    order = intents_a.complete(state.order_id, "key-2")
    assert order["status"] == OrderStatus.RESERVED
    assert orders_b.get(state.order_id)["status"] == OrderStatus.RESERVED
    again = intents_b.begin_keyed("key-2", "fp", orders_b.new_id(), "WIDGET-1", 1)
    assert (again.created, again.status, again.order_id) == (False, 201, state.order_id)
    assert orders_b.get("ord_nothing") is None


def test_only_one_replica_wins_a_release_and_a_late_completion_loses(replicas):
    (orders_a, intents_a), (_, intents_b) = replicas
    order_id = orders_a.new_id()
    intents_a.begin(order_id, "GADGET-2", 1)
    intents_a.let_go(order_id)
    assert [d.id for d in intents_b.due(grace=-1)] == [order_id]
    wins = [intents_a.start_release(order_id, grace=-1), intents_b.start_release(order_id, -1)]
    assert sorted(wins) == [False, True]
    assert intents_a.complete(order_id, None) is None
    intents_b.finish_release(order_id)
    assert orders_a.get(order_id)["status"] == OrderStatus.RELEASED


def test_a_refusal_is_stored_once_and_keys_expire(replicas):
    (orders_a, intents_a), (_, intents_b) = replicas
    state = intents_a.begin_keyed("key-3", "fp", orders_a.new_id(), "GIZMO-3", 1)
    intents_b.fail(state.order_id, "key-3", 409, {"title": "Not enough stock"})
    again = intents_a.begin_keyed("key-3", "fp", orders_a.new_id(), "GIZMO-3", 1)
    assert (again.status, again.order_status) == (409, OrderStatus.FAILED)
    new_id = orders_a.new_id()
    assert intents_b.retarget("key-3", state.order_id, new_id, "GIZMO-3", 1)
    assert not intents_a.retarget("key-3", state.order_id, orders_a.new_id(), "GIZMO-3", 1)
    assert intents_a.forget_keys(older_than=intents_a.now() + 10) == 1
    assert not intents_b.claim(new_id)  # still held by its lease
