"""Order, Inventory and the AS as real processes: caching, outages, the switch to OAuth."""

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.processes import wait_until

from .conftest import client_token, metric, oauth_env


def place(order, sku="WIDGET-1", quantity=1):
    return requests.post(f"{order.url}/orders", json={"sku": sku, "quantity": quantity}, timeout=10)


def test_three_hundred_orders_from_sixteen_threads_cost_one_token_fetch_per_worker(
    auth_server, inventory_factory, order_factory
):
    inventory = inventory_factory(auth_server)
    inventory.cli("stock", "set", "WIDGET-1", "1000")
    secret = auth_server.create_client("order-service", "inventory:write")
    order = order_factory(inventory, workers=2, **oauth_env(auth_server, "order-service", secret))
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda _: place(order).status_code, range(300)))
    assert codes.count(201) == 300
    issued = metric(auth_server.url, 'auth_tokens_issued_total{client_id="order-service"}')
    assert 1 <= issued <= 2  # one per Order worker, never one per order
    assert metric(order.url, "order_token_fetches_total") == issued
    assert metric(order.url, 'order_inventory_calls_total{auth="oauth"}') == 300
    # Structured logs, and never the secret or a token in them.
    logs = order.log_path.read_text()
    assert '"path": "/orders", "status": 201' in logs
    assert secret not in logs and "eyJ" not in logs


def test_orders_keep_flowing_while_the_as_is_down_until_the_token_expires(
    auth_server_factory, inventory_factory, order_factory
):
    auth = auth_server_factory(AUTH_TOKEN_TTL="60")
    inventory = inventory_factory(auth)
    secret = auth.create_client("order-service", "inventory:write")
    # A margin as long as the TTL makes every call try to refresh early, so each order
    # below exercises "AS unreachable, fall back to the still-valid token".
    order = order_factory(
        inventory,
        workers=1,
        ORDER_TOKEN_REFRESH_MARGIN="60",
        **oauth_env(auth, "order-service", secret),
    )
    assert place(order).status_code == 201  # token cached
    # Inventory knows the AS's keys already (it verified that token); now the AS goes away.
    auth.stop()
    for _ in range(20):
        assert place(order).status_code == 201
    assert metric(order.url, "order_token_fetches_total") == 1
    # A fresh Order worker has no token to fall back on and says why.
    cold = order_factory(inventory, workers=1, **oauth_env(auth, "order-service", secret))
    resp = place(cold)
    assert resp.status_code == 503
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.json()["title"] == "Authorization server unavailable"


def test_switching_order_auth_to_oauth_moves_order_service_in_the_ledger(
    auth_server, inventory_factory, order_factory
):
    inventory = inventory_factory(auth_server)
    key = inventory.api_key("order-service", "inventory:write")
    on_key = order_factory(inventory, ORDER_AUTH="api_key", ORDER_API_KEY=key)
    for _ in range(5):
        assert place(on_key).status_code == 201
    on_key.stop()
    secret = auth_server.create_client("order-service", "inventory:write")
    on_token = order_factory(inventory, **oauth_env(auth_server, "order-service", secret))
    for _ in range(7):
        assert place(on_token).status_code == 201
    admin_secret = auth_server.create_client("platform-admin", "inventory:admin")
    admin = {"Authorization": f"Bearer {client_token(auth_server, 'platform-admin', admin_secret)}"}

    def ledger_row():
        usage = requests.get(f"{inventory.url}/admin/auth-usage", headers=admin, timeout=5).json()
        row = next(c for c in usage["clients"] if c["client_id"] == "order-service")
        return row if row.get("token", {}).get("accepted") == 7 else None

    # Each worker folds its counts into the ledger at least once a second.
    row = wait_until(ledger_row, timeout=3.0, what="the ledger to count all 7 token calls")
    assert row["api_key"]["accepted"] == 5
    assert row["still_on_keys"] is False


def test_a_refused_reservation_leaves_no_order_behind(
    auth_server, inventory_factory, order_factory
):
    inventory = inventory_factory(auth_server)
    inventory.cli("stock", "set", "GIZMO-3", "1")
    secret = auth_server.create_client("order-service", "inventory:write")
    order = order_factory(inventory, **oauth_env(auth_server, "order-service", secret))
    first = place(order, "GIZMO-3")
    assert first.status_code == 201
    assert (
        requests.get(f"{order.url}/orders/{first.json()['id']}", timeout=5).json()["status"]
        == "reserved"
    )
    second = place(order, "GIZMO-3")
    assert second.status_code == 409
    assert second.headers["Content-Type"] == "application/problem+json"
    assert place(order, "NO-SUCH-SKU").status_code == 422
    bad = requests.post(
        f"{order.url}/orders", data="{", headers={"Content-Type": "application/json"}, timeout=5
    )
    assert bad.status_code == 400
    # Only the one good order exists; the two refused attempts ended as failed intents.
    import sqlite3
    from pathlib import Path

    db = sqlite3.connect(Path(order.env["ORDER_DATA_DIR"]) / "orders.db")
    states = dict(db.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())
    assert states == {"reserved": 1, "failed": 2}


def test_private_key_jwt_client_authentication_end_to_end(
    auth_server, inventory_factory, order_factory, tmp_path
):
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc.jwk import ECKey

    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_file = tmp_path / "order-key.pem"
    key_file.write_bytes(pem)
    public = ECKey.import_key(pem).as_dict(private=False)
    jwks_file = tmp_path / "order-jwks.json"
    jwks_file.write_text(
        json.dumps({"keys": [{**public, "kid": "order-1", "alg": "ES256", "use": "sig"}]})
    )
    auth_server.cli("clients", "create", "order-service", "--scope", "inventory:write", "--resource", "http://inventory.test",
                    "--auth-method", "private_key_jwt", "--jwks-file", str(jwks_file))  # fmt: skip
    inventory = inventory_factory(auth_server)
    env = {
        **oauth_env(auth_server, "order-service", "unused"),
        "ORDER_CLIENT_KEY_FILE": str(key_file),
        "ORDER_CLIENT_KEY_ID": "order-1",
    }
    env.pop("ORDER_CLIENT_SECRET")
    order = order_factory(inventory, **env)
    assert place(order).status_code == 201
    assert metric(auth_server.url, 'auth_tokens_issued_total{client_id="order-service"}') == 1
