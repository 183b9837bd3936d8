"""RFC 7662 introspection: active tokens, garbage, and tokens whose client was withdrawn."""

from __future__ import annotations

import json
import logging

from tests.support.processes import wait_until

from ..conftest import RESOURCE, basic, cli, token_request


def _active(http, introspector, token) -> bool:
    resp = http.post("/oauth/introspect", data={"token": token}, headers=basic(*introspector))
    assert resp.status_code == 200
    return resp.get_json()["active"]


def test_introspection_reports_an_active_token(http, clients):
    client_id, secret = clients.create(org_id="acme")
    token = token_request(http, client_id, secret).get_json()["access_token"]
    resp = http.post("/oauth/introspect", data={"token": token}, headers=basic(client_id, secret))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["active"] is True
    assert body["client_id"] == client_id
    assert body["aud"] == RESOURCE
    assert body["org_id"] == "acme"


def test_introspection_of_garbage_is_inactive(http, clients):
    client_id, secret = clients.create()
    for junk in ("x", "a.b.c", "e30.e30.", "🙂" * 10):
        resp = http.post(
            "/oauth/introspect", data={"token": junk}, headers=basic(client_id, secret)
        )
        assert resp.status_code == 200
        assert resp.get_json() == {"active": False}


def test_introspection_needs_client_authentication(http, clients):
    resp = http.post("/oauth/introspect", data={"token": "x"})
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_client"
    assert resp.headers["WWW-Authenticate"].startswith("Basic")


def test_a_disabled_clients_tokens_are_inactive(app, http, clients, caplog):
    rs = clients.create(client_id="inventory-service")
    admin = clients.create(client_id="platform-admin", scope="inventory:admin")
    token = token_request(http, *admin).get_json()["access_token"]
    assert _active(http, rs, token)

    with caplog.at_level(logging.INFO):
        result = cli(app, "clients", "disable", "platform-admin")

    assert result.exit_code == 0, result.output
    assert not _active(http, rs, token)
    assert "client disabled client_id=platform-admin" in caplog.text
    assert token_request(http, *admin).status_code == 401  # and it gets no new ones


def test_revoke_tokens_makes_every_token_of_the_client_inactive(app, http, clients, caplog):
    rs = clients.create(client_id="inventory-service")
    admin = clients.create(client_id="platform-admin", scope="inventory:admin")
    other = clients.create(client_id="order-service")
    tokens = [token_request(http, *admin).get_json()["access_token"] for _ in range(3)]
    bystander = token_request(http, *other).get_json()["access_token"]

    with caplog.at_level(logging.INFO):
        result = cli(app, "clients", "revoke-tokens", "platform-admin")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"client_id": "platform-admin", "tokens_revoked": True}
    assert [_active(http, rs, t) for t in tokens] == [False, False, False]
    assert _active(http, rs, bystander)
    assert "all tokens revoked client_id=platform-admin" in caplog.text
    # The client itself is not disabled: tokens issued from the next second on are active.
    wait_until(
        lambda: _active(http, rs, token_request(http, *admin).get_json()["access_token"]),
        timeout=3,
        what="a token issued after the revocation to be active",
    )


def test_a_token_of_a_client_no_longer_registered_is_inactive(app, http, clients):
    """A token whose client_id is unknown to the registry is never active."""
    rs = clients.create(client_id="inventory-service")
    admin = clients.create(client_id="ghost", scope="inventory:admin")
    token = token_request(http, *admin).get_json()["access_token"]
    store = app.extensions["auth_store"]
    with store.transaction() as db:
        db.execute("DELETE FROM clients WHERE client_id = 'ghost'")
    assert not _active(http, rs, token)
