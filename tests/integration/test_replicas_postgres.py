"""Two Inventory replicas, each with its own data dir (as on two hosts), on one PostgreSQL,
behind a round-robin balancer: every flip, key and reservation holds across them, and a
database outage is refused with a 503 until the database is back."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.processes import wait_until

from .conftest import client_token


def _token(auth_server, scope: str) -> dict[str, str]:
    client_id = f"client-{uuid.uuid4().hex[:8]}"
    secret = auth_server.create_client(client_id, scope)
    return {"Authorization": f"Bearer {client_token(auth_server, client_id, secret)}"}


def _fresh(method: str, url: str, **kwargs) -> requests.Response:
    headers = {**kwargs.pop("headers", {}), "Connection": "close"}  # a new connection each
    return requests.request(method, url, headers=headers, timeout=10, **kwargs)


def _codes_on_40_new_connections(url: str, key: str) -> list[int]:
    with ThreadPoolExecutor(8) as pool:
        return list(
            pool.map(
                lambda _: _fresh("GET", url, headers={"X-API-Key": key}).status_code, range(40)
            )
        )


def test_a_flip_through_one_replica_is_obeyed_by_40_new_connections_to_both(
    auth_server, inventory_replicas
):
    (a, b), balancer = inventory_replicas
    admin = _token(auth_server, "inventory:admin")
    key = a.api_key("reporting-job")
    url = f"{balancer.url}/inventory"
    assert _codes_on_40_new_connections(url, key) == [200] * 40

    flipped = _fresh("PUT", f"{a.url}/admin/auth-mode", json={"mode": "token_only"}, headers=admin)
    assert flipped.status_code == 200
    assert _codes_on_40_new_connections(url, key) == [401] * 40
    refused = _fresh("GET", f"{b.url}/inventory", headers={"X-API-Key": key}).json()
    assert refused["auth_mode"] == "token_only"

    pinned = _fresh(
        "PUT",
        f"{b.url}/admin/clients/reporting-job/auth-mode",
        json={"mode": "dual"},
        headers=admin,
    )
    assert pinned.status_code == 200
    assert _codes_on_40_new_connections(url, key) == [200] * 40

    a.cli("auth-mode", "set", "token_only", "--client", "reporting-job")  # the offline CLI
    assert _codes_on_40_new_connections(url, key) == [401] * 40


def test_a_key_created_or_revoked_on_one_replica_is_in_force_on_all_at_once(inventory_replicas):
    (a, b), balancer = inventory_replicas
    made = json.loads(a.cli("api-keys", "create", "batch-job", "--scope", "inventory:read"))
    assert _codes_on_40_new_connections(f"{balancer.url}/inventory", made["api_key"]) == [200] * 40
    b.cli("api-keys", "revoke", made["key_id"])
    assert _codes_on_40_new_connections(f"{balancer.url}/inventory", made["api_key"]) == [401] * 40


def test_200_racing_reservations_for_50_units_sell_exactly_50(auth_server, inventory_replicas):
    (a, b), balancer = inventory_replicas
    writer = _token(auth_server, "inventory:read inventory:write")
    a.cli("stock", "set", "RACE-50", "50")

    def reserve(i: int) -> int:
        body = {"order_id": f"race-{i}", "quantity": 1}
        return _fresh(
            "POST", f"{balancer.url}/inventory/RACE-50/reservations", json=body, headers=writer
        ).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(reserve, range(200)))
    assert (codes.count(201), codes.count(409)) == (50, 150)
    assert _fresh("GET", f"{b.url}/inventory/RACE-50", headers=writer).json()["quantity"] == 0


def test_an_order_id_retried_on_the_other_replica_is_reserved_once(auth_server, inventory_replicas):
    (a, b), _ = inventory_replicas
    writer = _token(auth_server, "inventory:read inventory:write")
    body = {"order_id": f"once-{uuid.uuid4().hex[:8]}", "quantity": 2}
    first = _fresh("POST", f"{a.url}/inventory/GADGET-2/reservations", json=body, headers=writer)
    retry = _fresh("POST", f"{b.url}/inventory/GADGET-2/reservations", json=body, headers=writer)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert _fresh("GET", f"{a.url}/inventory/GADGET-2", headers=writer).json()["quantity"] == 48


def test_with_the_database_down_requests_get_a_503_and_recover_when_it_is_back(
    inventory_replicas, postgres_server
):
    (a, b), balancer = inventory_replicas
    key = a.api_key("order-service")
    url = f"{balancer.url}/inventory"
    assert _codes_on_40_new_connections(url, key) == [200] * 40

    postgres_server.stop()
    try:
        down = _fresh("GET", url, headers={"X-API-Key": key})
        assert down.status_code == 503
        assert down.headers["Content-Type"] == "application/problem+json"
        assert down.json()["title"] == "Database unavailable"
        health = _fresh("GET", f"{b.url}/healthz")
        assert health.status_code == 503
        assert "PostgreSQL" in health.json()["detail"]
    finally:
        postgres_server.start()

    # Each worker's pool replaces the connections the server hung up on as it next uses
    # them, and opens new ones on demand: no restart, within a few seconds.
    wait_until(
        lambda: _codes_on_40_new_connections(url, key) == [200] * 40,
        timeout=60,
        what="40 calls in a row accepted again",
    )
    for replica in (a, b):
        assert "Traceback" not in replica.logs()
