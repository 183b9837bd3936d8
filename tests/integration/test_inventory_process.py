"""Inventory on four gunicorn workers with the real AS: runtime flips and racing reservations."""

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.processes import wait_until

from .conftest import client_token


def fresh_get(url, **headers):
    # A new connection per call, so the kernel spreads calls over all workers.
    return requests.get(url, headers={**headers, "Connection": "close"}, timeout=5)


def test_runtime_flips_reach_every_worker_within_a_second(auth_server, inventory_factory):
    inventory = inventory_factory(auth_server, workers=4)
    admin_secret = auth_server.create_client("platform-admin", "inventory:admin")
    admin = {"Authorization": f"Bearer {client_token(auth_server, 'platform-admin', admin_secret)}"}
    order_key = inventory.api_key("order-service")
    reporting_key = inventory.api_key("reporting-job")
    url = f"{inventory.url}/inventory"
    assert all(fresh_get(url, **{"X-API-Key": order_key}).status_code == 200 for _ in range(8))

    # Per-client pin: order-service's key is refused everywhere, reporting-job's is not.
    resp = requests.put(
        f"{inventory.url}/admin/clients/order-service/auth-mode",
        json={"mode": "token_only"},
        headers=admin,
        timeout=5,
    )
    assert resp.status_code == 200

    def all_workers_refuse(key):
        with ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(lambda _: fresh_get(url, **{"X-API-Key": key}).status_code, range(40))
            )
        return set(codes) == {401}

    wait_until(
        lambda: all_workers_refuse(order_key),
        timeout=1.0,
        what="every worker to refuse order-service's key",
    )
    assert all(fresh_get(url, **{"X-API-Key": reporting_key}).status_code == 200 for _ in range(20))

    # Global flip: every key refused, with the migration message.
    resp = requests.put(
        f"{inventory.url}/admin/auth-mode", json={"mode": "token_only"}, headers=admin, timeout=5
    )
    assert resp.status_code == 200
    wait_until(
        lambda: all_workers_refuse(reporting_key),
        timeout=1.0,
        what="every worker to refuse every key",
    )
    refused = fresh_get(url, **{"X-API-Key": reporting_key}).json()
    assert refused["auth_mode"] == "token_only" and "migration" in refused["detail"]


def test_two_hundred_racing_reservations_for_fifty_units_sell_exactly_fifty(
    auth_server, inventory_factory
):
    inventory = inventory_factory(auth_server, workers=4)
    inventory.cli("stock", "set", "RACE-1", "50")
    secret = auth_server.create_client("order-service", "inventory:read inventory:write")
    token = client_token(auth_server, "order-service", secret)

    def reserve(i):
        return requests.post(
            f"{inventory.url}/inventory/RACE-1/reservations",
            json={"order_id": f"race-{i}", "quantity": 1},
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
            timeout=10,
        ).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(reserve, range(200)))
    assert codes.count(201) == 50
    assert codes.count(409) == 150
    stock = requests.get(
        f"{inventory.url}/inventory/RACE-1", headers={"Authorization": f"Bearer {token}"}, timeout=5
    ).json()
    assert stock["quantity"] == 0


def test_ledger_and_metrics_are_summed_across_workers(auth_server, inventory_factory):
    inventory = inventory_factory(auth_server, workers=4)
    key = inventory.api_key("reporting-job")
    for _ in range(30):
        assert fresh_get(f"{inventory.url}/inventory", **{"X-API-Key": key}).status_code == 200
    metrics = requests.get(f"{inventory.url}/metrics", timeout=5).text
    assert (
        'inventory_auth_requests_total{client_id="reporting-job",method="api_key",outcome="accepted"} 30.0'
        in metrics
    )
    admin_secret = auth_server.create_client("platform-admin", "inventory:admin")
    admin = {"Authorization": f"Bearer {client_token(auth_server, 'platform-admin', admin_secret)}"}

    def ledger_count():
        body = requests.get(f"{inventory.url}/admin/auth-usage", headers=admin, timeout=5).json()
        row = next((c for c in body["clients"] if c["client_id"] == "reporting-job"), {})
        return row.get("api_key", {}).get("accepted") == 30

    wait_until(ledger_count, timeout=3.0, what="the ledger to fold in every worker's counts")
