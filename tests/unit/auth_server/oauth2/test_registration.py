"""RFC 7591 dynamic registration behind the initial access token."""

from __future__ import annotations

from ..conftest import ADMIN_TOKEN, RESOURCE, token_request

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
