"""Several issuers, client aliases, admin tokens without introspection, scope claims named."""

from __future__ import annotations

import pytest
from flask.testing import FlaskCliRunner

from inventory_service import create_app
from tests.support.issuer import TestIssuer
from tests.support.providers import ENTRA_API_APP, RESOURCE, ProviderIssuer

from ..mcp.gate_client import bearer

METADATA = "/.well-known/oauth-protected-resource"


@pytest.fixture
def providers():
    started: dict[str, ProviderIssuer] = {}

    def start(name: str) -> ProviderIssuer:
        started[name] = ProviderIssuer(name)
        return started[name]

    yield start
    for issuer in started.values():
        issuer.close()


def app_with_file(tmp_path, toml: str, **extra: str):
    (tmp_path / "issuers.toml").write_text(toml)
    config = {
        "resource": RESOURCE,
        "data_dir": str(tmp_path / "data"),
        "issuers_file": str(tmp_path / "issuers.toml"),
        "jwks_cooldown": "0",
        **extra,
    }
    return create_app(config)


def test_tokens_are_routed_by_iss_and_the_metadata_lists_every_issuer(tmp_path, providers):
    keycloak, auth0 = providers("keycloak"), providers("auth0")
    app = app_with_file(
        tmp_path,
        f'[[issuer]]\nurl = "{keycloak.issuer}"\nprofile = "keycloak"\n'
        f'[[issuer]]\nurl = "{auth0.issuer}"\nprofile = "auth0"\n',
    )
    http = app.test_client()
    for provider in (keycloak, auth0):
        assert http.get("/inventory", headers=bearer(provider.access_token("read"))).status_code == 200  # fmt: skip
    meta = http.get(METADATA).get_json()
    assert meta["authorization_servers"] == [keycloak.issuer, auth0.issuer]


def test_an_untrusted_issuer_is_refused_before_any_network_call(tmp_path, providers):
    keycloak = providers("keycloak")
    stranger = TestIssuer()
    try:
        app = app_with_file(tmp_path, f'[[issuer]]\nurl = "{keycloak.issuer}"\nprofile = "keycloak"\n')  # fmt: skip
        resp = app.test_client().get("/inventory", headers=bearer(stranger.mint(RESOURCE)))
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
        assert resp.get_json()["error_description"] == (
            "The token comes from an issuer this API does not trust."
        )
        assert stranger.jwks_fetches == 0
        assert keycloak.jwks_fetches == 0 and keycloak.metadata_fetches == []
    finally:
        stranger.close()


def test_with_one_issuer_a_stranger_costs_no_jwks_fetch_either(tmp_path):
    ours, stranger = TestIssuer(), TestIssuer()
    try:
        app = create_app({"issuer": ours.issuer, "resource": RESOURCE, "data_dir": str(tmp_path)})
        resp = app.test_client().get("/inventory", headers=bearer(stranger.mint(RESOURCE)))
        assert resp.status_code == 401
        assert ours.jwks_fetches == stranger.jwks_fetches == 0
    finally:
        ours.close()
        stranger.close()


def test_client_aliases_make_pins_speak_of_the_migration_names(tmp_path, providers):
    entra = providers("entra")
    guid = "0b6f5c1e-6c1d-4a8e-9a55-3f2d8e1c7b90"
    app = create_app(
        {
            "issuer": entra.issuer,
            "resource": RESOURCE,
            "data_dir": str(tmp_path),
            "token_profile": "entra",
            "audience": ENTRA_API_APP,
            "client_aliases": f"{guid}=order-service",
        }
    )
    token = entra.access_token("read", client_id=guid)
    assert app.test_client().get("/inventory", headers=bearer(token)).status_code == 200
    out = FlaskCliRunner(app).invoke(args=["auth-mode", "set", "api_key", "--client", "order-service"])  # fmt: skip
    assert out.exit_code == 0, out.output
    resp = app.test_client().get("/inventory", headers=bearer(token))
    assert resp.status_code == 401
    assert "auth mode api_key" in resp.get_json()["error_description"]


def test_admin_tokens_without_introspection_must_be_short_lived(tmp_path, providers):
    auth0 = providers("auth0")  # no introspection endpoint; its profile verifies admin as JWT
    app = create_app(
        {
            "issuer": auth0.issuer,
            "resource": RESOURCE,
            "data_dir": str(tmp_path),
            "token_profile": "auth0",
        }
    )
    http = app.test_client()
    short = auth0.access_token("admin", client_id="platform-admin", lifetime=300)
    resp = http.put("/admin/auth-mode", json={"mode": "token_only"}, headers=bearer(short))
    assert resp.status_code == 200, resp.get_json()
    long = auth0.access_token("admin", client_id="platform-admin", lifetime=3600)
    resp = http.put("/admin/auth-mode", json={"mode": "dual"}, headers=bearer(long))
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert resp.get_json()["error_description"] == (
        "Admin tokens may live at most 300 s (they are not introspected); this one lives 3600 s."
    )


def test_scopes_in_a_claim_the_policy_does_not_read_name_the_claims_it_read(tmp_path, providers):
    okta = providers("okta")  # scopes in scp
    app = create_app(
        {
            "issuer": okta.issuer,
            "resource": RESOURCE,
            "data_dir": str(tmp_path),
            "token_profile": "okta",
            "audience": "api://inventory",
            "scope_claims": "scope",
        }
    )
    resp = app.test_client().get("/inventory", headers=bearer(okta.access_token("read")))
    assert resp.status_code == 403
    assert resp.headers["WWW-Authenticate"].startswith(
        'Bearer error="insufficient_scope", scope="inventory:read"'
    )
    assert resp.get_json()["error_description"] == (
        "This call needs the inventory:read scope (scopes are read from the token's scope claim)."
    )


def test_cognito_binds_by_the_resource_server_prefix_and_token_use(tmp_path, providers):
    cognito = providers("cognito")
    app = create_app(
        {
            "issuer": cognito.issuer,
            "resource": RESOURCE,
            "data_dir": str(tmp_path),
            "token_profile": "cognito",
        }
    )
    http = app.test_client()
    assert http.get("/inventory", headers=bearer(cognito.access_token("read"))).status_code == 200
    # Another resource server's scopes in the same pool grant nothing here.
    billing = cognito.access_token(scope="billing/read inventory:read")
    assert http.get("/inventory", headers=bearer(billing)).status_code == 403
    # An aud, where there is one, must still name this API.
    elsewhere = cognito.access_token("read", aud="https://billing.example")
    assert http.get("/inventory", headers=bearer(elsewhere)).status_code == 401
    id_token = cognito.id_token(aud=None)
    assert http.get("/inventory", headers=bearer(id_token)).status_code == 401


def test_jwks_uri_and_introspection_endpoint_settings_replace_discovery(tmp_path, providers):
    hydra = providers("hydra")  # introspection on its admin API, not in the public metadata
    hydra.introspectors["inventory"] = "introspection-secret"
    app = create_app(
        {
            "issuer": hydra.issuer,
            "resource": RESOURCE,
            "data_dir": str(tmp_path),
            "token_profile": "hydra",
            "jwks_uri": f"{hydra.url}{hydra.shape.jwks_path}",
            "introspection_endpoint": f"{hydra.url}{hydra.shape.introspection_path}",
            "client_id": "inventory",
            "client_secret": "introspection-secret",
        }
    )
    admin = hydra.access_token("admin", client_id="platform-admin")
    resp = app.test_client().put("/admin/auth-mode", json={"mode": "dual"}, headers=bearer(admin))
    assert resp.status_code == 200, resp.get_json()
    assert hydra.introspections == 1
    assert hydra.metadata_fetches == []  # neither the keys nor introspection needed discovery
