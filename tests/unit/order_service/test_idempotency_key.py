"""``POST /orders`` with an ``Idempotency-Key``: one order per key, retries replay it.

Order runs in-process; Inventory is ``tests.support.fake_inventory`` over real HTTP.
"""

from __future__ import annotations

import json
import uuid

import pytest

from order_service import create_app
from order_service.idempotency import fingerprint
from tests.support.fake_inventory import FakeInventory

PROBLEM = "application/problem+json"


@pytest.fixture
def inventory():
    fake = FakeInventory({"WIDGET-1": 100, "GIZMO-3": 1})
    yield fake
    fake.close()


@pytest.fixture
def app(tmp_path, inventory):
    return create_app(
        {
            "inventory_url": inventory.url,
            "auth": "api_key",
            "api_key": "ik_a_b",
            "data_dir": str(tmp_path),
            "reconcile_interval": 0,  # passes are run by hand below
            "reconcile_grace": 0,
            "intent_lease": 30,
        }
    )


@pytest.fixture
def order(app):
    client = app.test_client()

    def post(body=None, key=None, raw=None):
        headers = {"Idempotency-Key": key} if key is not None else {}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return client.post("/orders", data=raw, headers=headers)
        return client.post(
            "/orders", json=body or {"sku": "WIDGET-1", "quantity": 2}, headers=headers
        )

    return post


def new_key() -> str:
    return f'"{uuid.uuid4()}"'


def test_the_same_key_and_body_return_the_same_order_and_reserve_once(order, inventory):
    key = new_key()
    first = order({"sku": "WIDGET-1", "quantity": 2}, key)
    again = order(raw='{"quantity": 2, "sku": "WIDGET-1"}', key=key)  # same body, reordered
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Location"] == first.headers["Location"] == f"/orders/{first.json['id']}"
    assert inventory.stock["WIDGET-1"] == 98
    assert list(inventory.reservations) == [first.json["id"]]


def test_the_same_key_with_another_body_is_refused_with_422(order, inventory):
    key = new_key()
    assert order({"sku": "WIDGET-1", "quantity": 2}, key).status_code == 201
    other = order({"sku": "WIDGET-1", "quantity": 3}, key)
    assert other.status_code == 422
    assert other.content_type == PROBLEM
    assert other.json == {
        "type": "about:blank",
        "title": "Idempotency-Key is already used",
        "status": 422,
        "detail": "This key came with another request body; use a new key for a new order.",
    }
    assert inventory.stock["WIDGET-1"] == 98


def test_a_quoted_key_and_the_same_bare_key_are_one_key(order, inventory):
    assert order(key='"abc-123"').status_code == 201
    assert order(key="abc-123").status_code == 201
    assert len(inventory.reservations) == 1


@pytest.mark.parametrize(
    "key",
    ['"' + "k" * 256 + '"', "k" * 256, '"unterminated', "two words", '""', '"a"b', '"\\n"'],
)
def test_a_malformed_or_overlong_key_is_refused_with_400(order, inventory, key):
    resp = order(key=key)
    assert resp.status_code == 400
    assert resp.content_type == PROBLEM
    assert resp.json["title"] == "Invalid Idempotency-Key"
    assert inventory.calls == []


def test_a_key_of_255_characters_is_accepted(order):
    assert order(key="k" * 255).status_code == 201


def test_a_refusal_is_replayed_for_the_same_key(order, inventory):
    key = new_key()
    body = {"sku": "GIZMO-3", "quantity": 2}
    first = order(body, key)
    assert first.status_code == 409 and first.content_type == PROBLEM
    inventory.stock["GIZMO-3"] = 10
    again = order(body, key)
    assert again.status_code == 409 and again.get_data() == first.get_data()
    assert inventory.stock["GIZMO-3"] == 10


def test_a_retry_after_an_unanswered_attempt_completes_that_same_order(order, inventory, app):
    """Inventory reserved, then the answer was lost: the retry finishes the same order id."""
    key = new_key()
    inventory.faults = ["500 after reserving"]
    lost = order(key=key)
    assert lost.status_code == 502 and lost.content_type == PROBLEM
    (order_id,) = inventory.reservations
    assert app.extensions["orders"].get(order_id)["status"] == "pending"
    retried = order(key=key)
    assert retried.status_code == 201
    assert retried.json["id"] == order_id
    assert inventory.stock["WIDGET-1"] == 98


def test_a_retry_while_the_first_request_holds_the_key_is_409(order, app, inventory):
    key = "in-flight"
    body = {"sku": "WIDGET-1", "quantity": 2}
    # What a request still waiting on Inventory has written: a pending intent with a lease.
    app.extensions["placement"].intents.begin_keyed(
        key, fingerprint(body), "ord_in_flight", "WIDGET-1", 2
    )
    resp = order(body, key)
    assert resp.status_code == 409
    assert resp.content_type == PROBLEM
    assert resp.json["title"] == "A request is outstanding for this Idempotency-Key"
    assert 1 <= int(resp.headers["Retry-After"]) <= 30
    assert inventory.calls == []


def test_the_reconciler_releases_an_intent_nobody_came_back_for(order, app, inventory):
    key = new_key()
    inventory.faults = ["500 after reserving"]
    assert order(key=key).status_code == 502
    (order_id,) = inventory.reservations
    outcome = app.extensions["reconciler"].run_once()
    assert outcome == {"released": 1}
    assert inventory.stock["WIDGET-1"] == 100 and inventory.reservations == {}
    assert app.extensions["orders"].get(order_id)["status"] == "released"
    # A later retry with the key is a fresh attempt: one order, its stock taken once.
    retried = order(key=key)
    assert retried.status_code == 201 and retried.json["id"] != order_id
    assert inventory.stock["WIDGET-1"] == 98
    assert app.extensions["reconciler"].run_once() == {}


def test_orders_without_a_key_leave_nothing_pending_when_inventory_fails(order, app, inventory):
    inventory.faults = ["500 after reserving"]
    assert order().status_code == 502
    assert app.extensions["reconciler"].run_once() == {"released": 1}
    assert inventory.stock["WIDGET-1"] == 100
    ok = order()
    assert ok.status_code == 201
    assert json.loads(ok.get_data())["status"] == "reserved"
    assert app.extensions["reconciler"].run_once() == {}
