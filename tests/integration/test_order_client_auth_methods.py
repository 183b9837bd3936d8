"""Order's client-authentication settings against the real AS process, end to end."""

from __future__ import annotations

import json
import uuid

import requests

from order_service.config import Settings
from order_service.oauth_client import ClientCredentials
from order_service.token_cache import TokenRefused
from tests.support.keys import private_pem, public_jwks

from .conftest import RESOURCE, metric


def place(order) -> requests.Response:
    return requests.post(f"{order.url}/orders", json={"sku": "WIDGET-1", "quantity": 1}, timeout=10)


def credentials(**env: str) -> ClientCredentials:
    base = {"INVENTORY_URL": "http://127.0.0.1:1", "AUTH": "oauth", "SCOPE": "inventory:write"}
    return ClientCredentials(Settings.load({**base, **env}).oauth)


def test_order_places_orders_with_client_secret_post_and_a_token_endpoint_setting(
    auth_server, inventory_factory, order_factory
):
    inventory = inventory_factory(auth_server)
    client_id = f"order-{uuid.uuid4().hex[:8]}"
    secret = auth_server.create_client(
        client_id, "inventory:write", RESOURCE, "--auth-method", "client_secret_post"
    )
    order = order_factory(
        inventory,
        workers=1,
        ORDER_AUTH="oauth",
        ORDER_TOKEN_ENDPOINT=f"{auth_server.url}/oauth/token",  # no ORDER_ISSUER: no discovery
        ORDER_CLIENT_ID=client_id,
        ORDER_CLIENT_SECRET=secret,
        ORDER_CLIENT_AUTH_METHOD="client_secret_post",
        ORDER_RESOURCE=RESOURCE,
        ORDER_SCOPE="inventory:write",
    )
    for _ in range(3):
        assert place(order).status_code == 201
    assert metric(order.url, "order_token_fetches_total") == 1


def test_the_as_refuses_basic_for_a_client_registered_for_post(auth_server):
    client_id = f"order-{uuid.uuid4().hex[:8]}"
    secret = auth_server.create_client(
        client_id, "inventory:write", RESOURCE, "--auth-method", "client_secret_post"
    )
    common = {
        "ISSUER": auth_server.env["AUTH_ISSUER"],
        "CLIENT_ID": client_id,
        "CLIENT_SECRET": secret,
        "RESOURCE": RESOURCE,
    }
    assert credentials(**common, CLIENT_AUTH_METHOD="client_secret_post").fetch()[0]
    try:
        credentials(**common).fetch()
    except TokenRefused as exc:
        assert "invalid_client" in str(exc)
    else:
        raise AssertionError("client_secret_basic was accepted for a client_secret_post client")


def test_private_key_jwt_with_the_issuer_as_assertion_audience_gets_a_token(auth_server, tmp_path):
    key = private_pem("EC")
    (tmp_path / "key.pem").write_bytes(key)
    (tmp_path / "jwks.json").write_text(json.dumps(public_jwks(key)))
    client_id = f"order-{uuid.uuid4().hex[:8]}"
    auth_server.cli(
        "clients", "create", client_id, "--scope", "inventory:write", "--resource", RESOURCE,
        "--auth-method", "private_key_jwt", "--jwks-file", str(tmp_path / "jwks.json"),
    )  # fmt: skip
    for audience in ("issuer", "token_endpoint"):
        token, _ = credentials(
            ISSUER=auth_server.env["AUTH_ISSUER"],
            CLIENT_ID=client_id,
            CLIENT_KEY_FILE=str(tmp_path / "key.pem"),
            CLIENT_ASSERTION_AUDIENCE=audience,
            RESOURCE=RESOURCE,
        ).fetch()
        assert token.count(".") == 2
