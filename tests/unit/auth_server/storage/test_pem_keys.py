"""Signing keys on disk: the JWKS, persistence, rotation and revocation in every worker."""

from __future__ import annotations

import json
import logging
import os
import stat

from flask.testing import FlaskCliRunner

from auth_server import create_app
from auth_server.storage import pem_keys as keys_module

from ..conftest import basic, decode_part, published_kids, token_request


def _introspect(http, client_id, secret, token) -> dict:
    resp = http.post("/oauth/introspect", data={"token": token}, headers=basic(client_id, secret))
    assert resp.status_code == 200
    return resp.get_json()


def test_jwks_publishes_public_keys_only(http):
    keys = http.get("/.well-known/jwks.json").get_json()["keys"]
    assert len(keys) == 1
    assert keys[0]["alg"] == "ES256" and keys[0]["use"] == "sig" and keys[0]["kid"]
    assert "d" not in keys[0]


def test_private_keys_are_files_only_the_owner_can_read(app, settings):
    key_dir = app.extensions["key_store"].directory
    pems = list(key_dir.glob("*.pem"))
    assert len(pems) == 1
    assert stat.S_IMODE(os.stat(pems[0]).st_mode) == 0o600


def test_a_restart_signs_with_the_same_key(settings, app, clients):
    client_id, secret = clients.create()
    before = decode_part(
        token_request(app.test_client(), client_id, secret).get_json()["access_token"], 0
    )
    restarted = create_app(settings)
    after = decode_part(
        token_request(restarted.test_client(), client_id, secret).get_json()["access_token"], 0
    )
    assert before["kid"] == after["kid"]


def test_rotation_signs_with_a_new_key_and_keeps_the_old_one_published(app, http, clients):
    client_id, secret = clients.create()
    old_kid = decode_part(token_request(http, client_id, secret).get_json()["access_token"], 0)[
        "kid"
    ]
    result = FlaskCliRunner(app).invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    new_kid = decode_part(token_request(http, client_id, secret).get_json()["access_token"], 0)[
        "kid"
    ]
    assert new_kid != old_kid
    kids = [k["kid"] for k in http.get("/.well-known/jwks.json").get_json()["keys"]]
    assert kids == [new_kid, old_kid]


def test_another_worker_signs_with_a_rotated_key_at_once(settings, app):
    other_worker = create_app(settings)
    first = other_worker.extensions["key_store"].signing_key().kid
    new = app.extensions["key_store"].rotate()
    assert other_worker.extensions["key_store"].signing_key().kid == new.kid
    assert first != new.kid


def test_retired_keys_leave_the_jwks_once_their_tokens_have_expired(settings, monkeypatch):
    app = create_app({**settings, "token_ttl": "60"})
    store = app.extensions["key_store"]
    first = store.signing_key().kid
    store.rotate()
    assert first in [k["kid"] for k in store.public_jwks()["keys"]]
    real_time = keys_module.time.time
    monkeypatch.setattr(
        keys_module.time, "time", lambda: real_time() + 60 + keys_module.ROTATION_LEEWAY + 1
    )
    assert first not in [k["kid"] for k in store.public_jwks()["keys"]]


def test_changing_the_signing_alg_rotates_to_a_key_of_that_alg(settings, app):
    rs = create_app({**settings, "signing_alg": "RS256"})
    assert rs.extensions["key_store"].signing_key().alg == "RS256"
    algs = [k["alg"] for k in rs.test_client().get("/.well-known/jwks.json").get_json()["keys"]]
    assert algs == ["RS256", "ES256"]


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
    assert published_kids(http) == [out["signing_kid"]]
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
    assert published_kids(http) == [new_kid, old_kid]

    result = FlaskCliRunner(app).invoke(args=["keys", "revoke", old_kid])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"revoked": old_kid, "signing_kid": None}
    assert published_kids(http) == [new_kid]
    assert _introspect(http, client_id, secret, old) == {"active": False}


def test_another_worker_stops_publishing_a_revoked_key_at_once(settings, app):
    other_worker = create_app(settings).test_client()
    kid = published_kids(other_worker)[0]
    app.extensions["key_store"].revoke(kid)
    assert kid not in published_kids(other_worker)
