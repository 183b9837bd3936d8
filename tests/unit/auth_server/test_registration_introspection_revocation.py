"""RFC 7591 registration, RFC 7662 introspection and RFC 7009 revocation."""

import pytest
from joserfc.jwk import ECKey

from auth_server.clients import RegistryError

from .conftest import ADMIN_TOKEN, RESOURCE, basic, token_request

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def register(http, body, headers=ADMIN):
    return http.post("/oauth/register", json=body, headers=headers)


def test_registration_with_the_initial_access_token_creates_a_working_client(http):
    resp = register(http, {"scope": "inventory:read", "resource": [RESOURCE], "client_name": "mcp"})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["grant_types"] == ["client_credentials"]
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["client_secret_expires_at"] == 0
    token = token_request(http, body["client_id"], body["client_secret"])
    assert token.status_code == 200
    assert token.get_json()["scope"] == "inventory:read"


def test_registration_without_the_initial_access_token_is_refused(http):
    cases = [
        ({}, "Bearer"),
        ({"Authorization": "Bearer wrong"}, 'Bearer error="invalid_token"'),
        ({"Authorization": "Basic eDp5"}, 'Bearer error="invalid_token"'),
    ]
    for headers, challenge in cases:
        resp = register(http, {"scope": "inventory:read", "resource": [RESOURCE]}, headers)
        assert resp.status_code == 401
        assert resp.get_json()["error"] == "invalid_token"
        assert resp.headers["WWW-Authenticate"] == challenge


def test_registration_needs_a_resource_and_known_scopes(http):
    missing = register(http, {"scope": "inventory:read"})
    assert missing.status_code == 400
    assert missing.get_json()["error"] == "invalid_client_metadata"
    unknown = register(http, {"scope": "root", "resource": [RESOURCE]})
    assert unknown.status_code == 400
    assert unknown.get_json()["error"] == "invalid_client_metadata"


def test_registration_of_a_browser_grant_is_refused(http):
    resp = register(
        http,
        {"scope": "inventory:read", "resource": [RESOURCE], "grant_types": ["authorization_code"]},
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_client_metadata"


def test_registration_body_must_be_a_json_object(http):
    for data in ("[1, 2]", "not json", '"text"'):
        resp = http.post(
            "/oauth/register", data=data, headers={**ADMIN, "Content-Type": "application/json"}
        )
        assert resp.status_code == 400
        assert resp.get_json()["error"] == "invalid_client_metadata"


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


def test_revoked_token_introspects_as_inactive(http, clients):
    client_id, secret = clients.create()
    token = token_request(http, client_id, secret).get_json()["access_token"]
    revoked = http.post("/oauth/revoke", data={"token": token}, headers=basic(client_id, secret))
    assert revoked.status_code == 200
    resp = http.post("/oauth/introspect", data={"token": token}, headers=basic(client_id, secret))
    assert resp.get_json() == {"active": False}


def test_a_client_cannot_revoke_another_clients_token(http, clients):
    owner_id, owner_secret = clients.create()
    other_id, other_secret = clients.create()
    token = token_request(http, owner_id, owner_secret).get_json()["access_token"]
    resp = http.post("/oauth/revoke", data={"token": token}, headers=basic(other_id, other_secret))
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_grant"
    still = http.post(
        "/oauth/introspect", data={"token": token}, headers=basic(owner_id, owner_secret)
    )
    assert still.get_json()["active"] is True


def test_revoking_an_unknown_token_succeeds_quietly(http, clients):
    # RFC 7009 §2.2: invalid tokens do not cause an error response.
    client_id, secret = clients.create()
    resp = http.post("/oauth/revoke", data={"token": "nonsense"}, headers=basic(client_id, secret))
    assert resp.status_code == 200


def test_mistyped_or_unusable_registration_metadata_is_invalid_client_metadata(http):
    bodies = [
        {"scope": 123, "resource": [RESOURCE]},
        {"scope": ["inventory:read"], "resource": [RESOURCE]},
        {"scope": "inventory:read", "resource": [1, 2]},
        {
            "scope": "inventory:read",
            "resource": [RESOURCE],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": "x",
        },
        {
            "scope": "inventory:read",
            "resource": [RESOURCE],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [{"kty": "EC"}]},
        },
        {"scope": "inventory:read", "resource": [RESOURCE], "grant_types": "client_credentials"},
        {"scope": "inventory:read", "resource": [RESOURCE], "client_name": {"a": 1}},
        {"scope": "inventory:read", "resource": [RESOURCE], "token_endpoint_auth_method": "none"},
    ]
    for body in bodies:
        resp = register(http, body)
        assert resp.status_code == 400, (body, resp.get_json())
        assert resp.get_json()["error"] == "invalid_client_metadata"


def test_a_private_key_in_a_registered_jwks_is_refused(clients):

    private = ECKey.generate_key("P-256").as_dict(private=True)
    with pytest.raises(RegistryError, match="public keys"):
        clients.create(auth_method="private_key_jwt", jwks={"keys": [private]})
