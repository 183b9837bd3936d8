"""Inventory on four gunicorn workers with the real AS: runtime flips and racing reservations."""

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.processes import wait_until

from .conftest import client_token


def fresh_get(url, **headers):
    # A new connection per call, so the kernel spreads calls over all workers.
    return requests.get(url, headers={**headers, "Connection": "close"}, timeout=5)


def test_runtime_flips_are_obeyed_by_every_worker_as_soon_as_the_call_returns(
    auth_server, inventory_factory
):
    inventory = inventory_factory(auth_server, workers=4)
    admin_secret = auth_server.create_client("platform-admin", "inventory:admin")
    admin = {"Authorization": f"Bearer {client_token(auth_server, 'platform-admin', admin_secret)}"}
    order_key = inventory.api_key("order-service")
    reporting_key = inventory.api_key("reporting-job")
    url = f"{inventory.url}/inventory"
    assert codes_on_40_new_connections(url, order_key) == {200}

    def flip(path, mode):
        resp = requests.put(f"{inventory.url}{path}", json={"mode": mode}, headers=admin, timeout=5)
        assert resp.status_code == 200

    # Per-client pin: order-service's key is refused at once everywhere, reporting-job's is not.
    flip("/admin/clients/order-service/auth-mode", "token_only")
    assert codes_on_40_new_connections(url, order_key) == {401}
    assert codes_on_40_new_connections(url, reporting_key) == {200}

    # Global flip: every key refused at once, with the migration message.
    flip("/admin/auth-mode", "token_only")
    assert codes_on_40_new_connections(url, reporting_key) == {401}
    refused = fresh_get(url, **{"X-API-Key": reporting_key}).json()
    assert refused["auth_mode"] == "token_only" and "migration" in refused["detail"]

    # The offline CLI (another process) is obeyed just as fast.
    inventory.cli("auth-mode", "set", "dual")
    assert codes_on_40_new_connections(url, reporting_key) == {200}
    assert len(workers_that_answered(inventory)) >= 2  # the checks above spanned workers


def codes_on_40_new_connections(url, key):
    """40 calls, each on a new connection, 8 at a time, so several workers answer."""
    with ThreadPoolExecutor(8) as pool:
        return set(pool.map(lambda _: fresh_get(url, **{"X-API-Key": key}).status_code, range(40)))


def workers_that_answered(inventory):
    """Worker pids from the access log lines of /inventory calls."""
    pids = set()
    for line in inventory.log_path.read_text().splitlines():
        if '"path": "/inventory"' in line:
            pids.add(json.loads(line.split(" ", 4)[4])["worker"])
    return pids


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
