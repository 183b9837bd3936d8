"""RFC 8414 metadata, the JWKS, key persistence and rotation."""

import os
import re
import stat

import pytest
from flask.testing import FlaskCliRunner

from auth_server import create_app
from auth_server.storage import pem_keys as keys_module

from .conftest import ISSUER, Clients, decode_part, token_request


def test_metadata_is_served_at_both_well_known_paths(http):
    oauth = http.get("/.well-known/oauth-authorization-server")
    oidc = http.get("/.well-known/openid-configuration")
    assert oauth.status_code == oidc.status_code == 200
    assert oauth.get_json() == oidc.get_json()


def test_metadata_describes_this_server(http):
    meta = http.get("/.well-known/oauth-authorization-server").get_json()
    assert meta["issuer"] == ISSUER
    assert meta["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert meta["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert meta["registration_endpoint"] == f"{ISSUER}/oauth/register"
    assert meta["introspection_endpoint"] == f"{ISSUER}/oauth/introspect"
    assert meta["revocation_endpoint"] == f"{ISSUER}/oauth/revoke"
    assert meta["grant_types_supported"] == ["client_credentials"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    }
    assert meta["token_endpoint_auth_signing_alg_values_supported"] == ["ES256", "RS256"]
    assert "inventory:read" in meta["scopes_supported"]


def test_issuer_is_byte_identical_even_with_a_trailing_slash(tmp_path):
    app = create_app({"issuer": "http://as.test/", "data_dir": str(tmp_path)})
    meta = app.test_client().get("/.well-known/oauth-authorization-server").get_json()
    assert meta["issuer"] == "http://as.test/"
    assert meta["token_endpoint"] == "http://as.test/oauth/token"


def test_metadata_omits_registration_without_an_admin_token(tmp_path):
    app = create_app({"issuer": ISSUER, "data_dir": str(tmp_path)})
    meta = app.test_client().get("/.well-known/oauth-authorization-server").get_json()
    assert "registration_endpoint" not in meta


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


@pytest.mark.parametrize(
    "override, message",
    [
        ({"issuer": None}, "AUTH_ISSUER is required"),
        ({"issuer": "ftp://x"}, "AUTH_ISSUER must be an http(s) URL"),
        ({"token_ttl": "ten"}, "AUTH_TOKEN_TTL must be a whole number"),
        ({"token_ttl": "864000"}, "AUTH_TOKEN_TTL must be between"),
        ({"signing_alg": "HS256"}, "AUTH_SIGNING_ALG must be one of"),
        ({"admin_token": "short"}, "AUTH_ADMIN_TOKEN must be at least 32"),
    ],
)
def test_bad_settings_fail_at_start_with_the_variable_named(settings, override, message):
    from auth_server.config import ConfigError

    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app({**settings, **override})


def test_cli_creates_lists_and_disables_clients(app):
    import json

    runner = FlaskCliRunner(app)
    created = runner.invoke(
        args=[
            "clients",
            "create",
            "cli-client",
            "--scope",
            "inventory:read",
            "--resource",
            "http://inventory.test",
            "--org",
            "acme",
        ]
    )
    assert created.exit_code == 0, created.output
    secret = json.loads(created.output)["client_secret"]
    listed = runner.invoke(args=["clients", "list"])
    assert "cli-client" in listed.output and secret not in listed.output
    assert runner.invoke(args=["clients", "disable", "cli-client"]).exit_code == 0
    assert Clients(app).registry.find("cli-client") is None
    duplicate = runner.invoke(
        args=[
            "clients",
            "create",
            "cli-client",
            "--scope",
            "inventory:read",
            "--resource",
            "http://inventory.test",
        ]
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
