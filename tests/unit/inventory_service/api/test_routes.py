"""Stock reads and reservations: idempotent, never oversold, clear problems."""

import threading

import pytest
from flask.testing import FlaskCliRunner


def reserve(api, order_id, quantity=1, sku="WIDGET-1", token=None):
    return api.post(
        f"/inventory/{sku}/reservations",
        {"order_id": order_id, "quantity": quantity},
        token=token or api.token(),
    )


def test_fresh_data_dir_has_demo_stock(api):
    items = api.get("/inventory", token=api.token()).get_json()["items"]
    assert {i["sku"] for i in items} == {"WIDGET-1", "GADGET-2", "GIZMO-3"}


def test_a_reservation_takes_stock(api):
    resp = reserve(api, "order-1", 3)
    assert resp.status_code == 201
    assert resp.get_json() == {"order_id": "order-1", "sku": "WIDGET-1", "quantity": 3}
    assert api.get("/inventory/WIDGET-1", token=api.token()).get_json()["quantity"] == 97


def test_a_retried_reservation_is_not_taken_twice(api):
    assert reserve(api, "order-2", 5).status_code == 201
    again = reserve(api, "order-2", 5)
    assert again.status_code == 200
    assert api.get("/inventory/WIDGET-1", token=api.token()).get_json()["quantity"] == 95


def test_reusing_an_order_id_for_something_else_is_a_conflict(api):
    reserve(api, "order-3", 1)
    resp = reserve(api, "order-3", 2)
    assert resp.status_code == 409 and resp.get_json()["title"] == "Order id already used"


def test_unknown_sku_is_404(api):
    assert api.get("/inventory/NOPE", token=api.token()).status_code == 404
    resp = reserve(api, "order-4", 1, sku="NOPE")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_not_enough_stock_is_409_and_takes_nothing(app, api):
    FlaskCliRunner(app).invoke(args=["stock", "set", "GIZMO-3", "2"])
    resp = reserve(api, "order-5", 3, sku="GIZMO-3")
    assert resp.status_code == 409
    assert resp.get_json()["available"] == 2
    assert api.get("/inventory/GIZMO-3", token=api.token()).get_json()["quantity"] == 2


@pytest.mark.parametrize(
    "body, status",
    [
        ("not json", 400),
        ("[1]", 400),
        ('{"order_id": "a"}', 422),
        ('{"order_id": "a", "quantity": 0}', 422),
        ('{"order_id": "a", "quantity": -1}', 422),
        ('{"order_id": "a", "quantity": 1.5}', 422),
        ('{"order_id": "a", "quantity": true}', 422),
        ('{"order_id": "a", "quantity": "1"}', 422),
        ('{"order_id": "", "quantity": 1}', 422),
        ('{"order_id": 7, "quantity": 1}', 422),
        ('{"order_id": "' + "a" * 65 + '", "quantity": 1}', 422),
        ('{"order_id": "a", "quantity": 99999999999999999999999}', 422),
    ],
)
def test_bad_bodies_are_problems_and_change_nothing(api, body, status):
    resp = api.http.post(
        "/inventory/WIDGET-1/reservations",
        data=body,
        headers={"Authorization": f"Bearer {api.token()}", "Content-Type": "application/json"},
    )
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    assert api.get("/inventory/WIDGET-1", token=api.token()).get_json()["quantity"] == 100


def test_a_huge_body_is_refused_cleanly(api):
    resp = api.http.post(
        "/inventory/WIDGET-1/reservations",
        data="x" * (1024 * 1024),
        headers={"Authorization": f"Bearer {api.token()}", "Content-Type": "application/json"},
    )
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"


def test_threads_racing_never_oversell(app, api):
    FlaskCliRunner(app).invoke(args=["stock", "set", "GIZMO-3", "10"])
    token = api.token()
    statuses = []

    def worker(i):
        statuses.append(reserve(api, f"race-{i}", 1, sku="GIZMO-3", token=token).status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(201) == 10 and statuses.count(409) == 20
    assert api.get("/inventory/GIZMO-3", token=token).get_json()["quantity"] == 0
