"""Disabling a client, or revoking all its tokens, shows in introspection (issue 11, item 3).

The review's attack: after `clients disable X`, introspection still said ``active: true``
for X's tokens until they expired.
"""

from __future__ import annotations

import json
import logging

from flask.testing import FlaskCliRunner

from tests.support.processes import wait_until

from .conftest import basic, token_request


def _active(http, introspector, token) -> bool:
    resp = http.post("/oauth/introspect", data={"token": token}, headers=basic(*introspector))
    assert resp.status_code == 200
    return resp.get_json()["active"]


def _cli(app, *args):
    return FlaskCliRunner(app).invoke(args=list(args))


def test_a_disabled_clients_tokens_are_inactive(app, http, clients, caplog):
    rs = clients.create(client_id="inventory-service")
    admin = clients.create(client_id="platform-admin", scope="inventory:admin")
    token = token_request(http, *admin).get_json()["access_token"]
    assert _active(http, rs, token)

    with caplog.at_level(logging.INFO):
        result = _cli(app, "clients", "disable", "platform-admin")

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
        result = _cli(app, "clients", "revoke-tokens", "platform-admin")

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


def test_revoke_tokens_of_an_unknown_client_fails(app):
    result = _cli(app, "clients", "revoke-tokens", "nobody")
    assert result.exit_code == 1
    assert "no client 'nobody'" in result.output


def test_a_token_of_a_client_no_longer_registered_is_inactive(app, http, clients):
    """A token whose client_id is unknown to the registry is never active."""
    rs = clients.create(client_id="inventory-service")
    admin = clients.create(client_id="ghost", scope="inventory:admin")
    token = token_request(http, *admin).get_json()["access_token"]
    store = app.extensions["auth_store"]
    with store.transaction() as db:
        db.execute("DELETE FROM clients WHERE client_id = 'ghost'")
    assert not _active(http, rs, token)
