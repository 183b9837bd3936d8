"""Releasing a reservation: stock comes back once, only the owner may, and it fences the id."""


def reserve(api, order_id, quantity=1, sku="WIDGET-1", client_id="order-service"):
    return api.post(
        f"/inventory/{sku}/reservations",
        {"order_id": order_id, "quantity": quantity},
        token=api.token(client_id=client_id),
    )


def release(api, order_id, sku="WIDGET-1", client_id="order-service", scope=None):
    token = api.token(client_id=client_id, **({"scope": scope} if scope else {}))
    return api.http.delete(
        f"/inventory/{sku}/reservations/{order_id}", headers=api._headers(token, None)
    )


def stock(api, sku="WIDGET-1"):
    return api.get(f"/inventory/{sku}", token=api.token()).get_json()["quantity"]


def test_a_release_gives_the_stock_back_once(api):
    assert reserve(api, "rel-1", 4).status_code == 201
    first = release(api, "rel-1")
    assert first.status_code == 200
    assert first.get_json() == {
        "order_id": "rel-1",
        "sku": "WIDGET-1",
        "status": "released",
        "returned": 4,
    }
    again = release(api, "rel-1")
    assert again.status_code == 200 and again.get_json()["returned"] == 0
    assert stock(api) == 100


def test_a_released_order_id_never_reserves_again(api):
    reserve(api, "rel-2", 2)
    release(api, "rel-2")
    late = reserve(api, "rel-2", 2)
    assert late.status_code == 410
    assert late.mimetype == "application/problem+json"
    assert late.get_json()["title"] == "Reservation released"
    assert stock(api) == 100


def test_releasing_an_order_id_that_never_reserved_fences_it(api):
    assert release(api, "rel-3").get_json()["returned"] == 0
    assert reserve(api, "rel-3", 1).status_code == 410
    assert stock(api) == 100


def test_a_client_cannot_release_another_clients_reservation(api):
    reserve(api, "rel-4", 3, client_id="order-service")
    other = release(api, "rel-4", client_id="reporting-job")
    assert other.status_code == 200 and other.get_json()["returned"] == 0
    assert stock(api) == 97
    # The owner's reservation is untouched and still replays.
    assert reserve(api, "rel-4", 3, client_id="order-service").status_code == 200


def test_releasing_needs_inventory_write(api):
    reserve(api, "rel-5", 1)
    resp = release(api, "rel-5", scope="inventory:read")
    assert resp.status_code == 403
    assert 'error="insufficient_scope"' in resp.headers["WWW-Authenticate"]
    assert stock(api) == 99


def test_naming_another_sku_than_the_reservation_is_a_conflict(api):
    reserve(api, "rel-6", 1, sku="GADGET-2")
    resp = release(api, "rel-6", sku="WIDGET-1")
    assert resp.status_code == 409
    assert resp.get_json()["title"] == "Order id reserved another SKU"
    assert stock(api, "GADGET-2") == 49
