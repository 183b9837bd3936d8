"""RFC 8414 metadata, at both well-known paths, with the issuer byte-identical."""

from __future__ import annotations

from auth_server import create_app

from ..conftest import ISSUER


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
