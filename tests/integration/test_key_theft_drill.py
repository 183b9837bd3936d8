"""The key-theft drill, on real processes.

An attacker holds a copy of the AS's signing key. Tokens forged with it work until the
operator runs `keys revoke`; from then on every Inventory worker refuses them within
``INVENTORY_JWKS_MAX_AGE`` — without any token carrying an unknown kid to flush its cache —
while Order, the legitimate client, never sees a failed order.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import jwt
import requests

from tests.support.processes import wait_until

from .conftest import RESOURCE, client_token, oauth_env

MAX_AGE = 2


def forge(auth, kid: str, pem: bytes, scope: str = "inventory:read", who: str = "intruder") -> str:
    now = int(time.time())
    claims = {
        "iss": auth.env["AUTH_ISSUER"],
        "sub": who,
        "client_id": who,
        "aud": RESOURCE,
        "scope": scope,
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, pem, algorithm="ES256", headers={"typ": "at+jwt", "kid": kid})


def read_stock(inventory, token: str) -> int:
    # A new connection per call: any worker may answer.
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{inventory.url}/inventory", headers=headers, timeout=5).status_code


def read_modes(inventory, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{inventory.url}/admin/auth-mode", headers=headers, timeout=5).status_code


def test_a_stolen_key_stops_working_everywhere_within_the_jwks_max_age_after_revoke(
    auth_server, inventory_factory, order_factory
):
    inventory = inventory_factory(auth_server, INVENTORY_JWKS_MAX_AGE=str(MAX_AGE))
    inventory.cli("stock", "set", "WIDGET-1", "100000")
    secret = auth_server.create_client("order-service", "inventory:read inventory:write")
    order = order_factory(inventory, **oauth_env(auth_server, "order-service", secret))
    orders: list[int] = []

    def place() -> None:
        resp = requests.post(
            f"{order.url}/orders", json={"sku": "WIDGET-1", "quantity": 1}, timeout=10
        )
        orders.append(resp.status_code)

    # The theft: the attacker copies the current signing key.
    stolen_kid = json.loads(auth_server.cli("keys", "list"))[-1]["kid"]
    stolen_pem = (
        Path(auth_server.env["AUTH_DATA_DIR"]) / "keys" / f"{stolen_kid}.pem"
    ).read_bytes()
    before = forge(auth_server, stolen_kid, stolen_pem)
    # The AS's introspection only vouches for tokens of registered clients: the attacker
    # forges in the name of the real admin client.
    auth_server.create_client("platform-admin", "inventory:admin")
    admin = forge(auth_server, stolen_kid, stolen_pem, "inventory:admin", "platform-admin")
    for _ in range(10):
        assert read_stock(inventory, before) == 200  # every worker trusts the stolen key
        assert read_modes(inventory, admin) == 200  # the review's attack: admin endpoints
        place()

    new_kid = json.loads(auth_server.cli("keys", "revoke", stolen_kid))["signing_kid"]
    # From the moment `keys revoke` returns (its own start-up, seconds on a loaded machine,
    # is not the window the max-age bounds).
    revoked_at = time.monotonic()

    def stolen_key_refused_everywhere() -> bool:
        place()
        fresh = forge(auth_server, stolen_kid, stolen_pem)
        fresh_admin = forge(
            auth_server, stolen_kid, stolen_pem, "inventory:admin", "platform-admin"
        )
        return all(
            read_stock(inventory, token) == 401 for _ in range(10) for token in (before, fresh)
        ) and all(read_modes(inventory, t) == 401 for _ in range(5) for t in (admin, fresh_admin))

    wait_until(
        stolen_key_refused_everywhere,
        timeout=MAX_AGE + 5,
        interval=0.1,
        what="every Inventory worker to refuse the stolen key",
    )
    assert time.monotonic() - revoked_at <= MAX_AGE + 2  # the max-age plus a fetch

    # Refused with the exact RFC 6750 answer, cached or freshly forged.
    resp = requests.get(
        f"{inventory.url}/inventory",
        headers={"Authorization": f"Bearer {forge(auth_server, stolen_kid, stolen_pem)}"},
        timeout=5,
    )
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_token"
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')

    # The new key works, and Order never failed an order along the way.
    token = client_token(auth_server, "order-service", secret, scope="inventory:read")
    assert jwt.get_unverified_header(token)["kid"] == new_kid
    assert all(read_stock(inventory, token) == 200 for _ in range(10))
    for _ in range(10):
        place()
    assert orders and set(orders) == {201}, orders
