"""`keys revoke KID`: the emergency exit for a stolen signing key (issue 11, item 2)."""

from __future__ import annotations

import json
import logging

from flask.testing import FlaskCliRunner

from auth_server import create_app

from .conftest import decode_part, token_request


def _kids(http) -> list[str]:
    return [k["kid"] for k in http.get("/.well-known/jwks.json").get_json()["keys"]]


def _introspect(http, client_id, secret, token) -> dict:
    from .conftest import basic

    resp = http.post("/oauth/introspect", data={"token": token}, headers=basic(client_id, secret))
    assert resp.status_code == 200
    return resp.get_json()


def test_revoking_the_signing_key_signs_with_a_new_one_and_unpublishes_the_old(
    app, http, clients, caplog
):
    client_id, secret = clients.create()
    stolen = token_request(http, client_id, secret).get_json()["access_token"]
    kid = decode_part(stolen, 0)["kid"]
    key_file = app.extensions["key_store"].directory / f"{kid}.pem"
    assert key_file.exists()

    with caplog.at_level(logging.INFO):
        result = FlaskCliRunner(app).invoke(args=["keys", "revoke", kid])

    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["revoked"] == kid and out["signing_kid"] not in (None, kid)
    assert _kids(http) == [out["signing_kid"]]
    assert not key_file.exists()
    fresh = token_request(http, client_id, secret).get_json()["access_token"]
    assert decode_part(fresh, 0)["kid"] == out["signing_kid"]
    assert _introspect(http, client_id, secret, stolen) == {"active": False}
    assert _introspect(http, client_id, secret, fresh)["active"] is True
    assert f"signing key revoked kid={kid}" in caplog.text


def test_revoking_a_retired_key_keeps_the_signing_key(app, http, clients):
    client_id, secret = clients.create()
    old = token_request(http, client_id, secret).get_json()["access_token"]
    old_kid = decode_part(old, 0)["kid"]
    new_kid = app.extensions["key_store"].rotate().kid
    assert _kids(http) == [new_kid, old_kid]

    result = FlaskCliRunner(app).invoke(args=["keys", "revoke", old_kid])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"revoked": old_kid, "signing_kid": None}
    assert _kids(http) == [new_kid]
    assert _introspect(http, client_id, secret, old) == {"active": False}


def test_another_worker_stops_publishing_a_revoked_key_at_once(settings, app):
    other_worker = create_app(settings).test_client()
    kid = _kids(other_worker)[0]
    app.extensions["key_store"].revoke(kid)
    assert kid not in _kids(other_worker)


def test_revoking_an_unknown_kid_fails_and_changes_nothing(app, http):
    before = _kids(http)
    result = FlaskCliRunner(app).invoke(args=["keys", "revoke", "no-such-kid"])
    assert result.exit_code == 1
    assert "no published key 'no-such-kid'" in result.output
    assert _kids(http) == before


def test_a_kid_that_starts_with_a_dash_is_read_as_the_kid_not_as_an_option(app):
    result = FlaskCliRunner(app).invoke(args=["keys", "revoke", "-QdoesNotExist"])
    assert result.exit_code == 1
    assert "no published key '-QdoesNotExist'" in result.output
