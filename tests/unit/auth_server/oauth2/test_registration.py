"""RFC 7591 dynamic registration behind the initial access token."""

from __future__ import annotations

import logging

from auth_server import create_app

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


def test_wrong_initial_access_tokens_are_logged_counted_and_throttled_per_peer(settings, caplog):
    app = create_app({**settings, "client_auth_failure_limit": "3/minute"})
    http = app.test_client()
    body = {"scope": "inventory:read", "resource": [RESOURCE]}
    guesser = {"REMOTE_ADDR": "10.0.0.66"}
    wrong = {"Authorization": "Bearer guess"}
    with caplog.at_level(logging.INFO):
        codes = [
            http.post("/oauth/register", json=body, headers=wrong, environ_base=guesser)
            for _ in range(5)
        ]
    assert [r.status_code for r in codes] == [401] * 3 + [429] * 2
    assert int(codes[-1].headers["Retry-After"]) >= 1
    assert caplog.text.count("registration refused: wrong initial access token peer=10.0.0.66") == 3
    failures = 'auth_client_auth_failures_total{endpoint="auth.register",reason="wrong initial'
    assert failures in http.get("/metrics").get_data(as_text=True)
    # The guesser waits; the operator at another address registers on.
    operator = {"REMOTE_ADDR": "10.0.0.2"}
    ok = http.post("/oauth/register", json=body, headers=ADMIN, environ_base=operator)
    assert ok.status_code == 201


def test_a_refused_registration_is_logged_with_its_peer(http, caplog):
    with caplog.at_level(logging.INFO):
        register(http, {"scope": "inventory:admin", "resource": [RESOURCE]})
    assert "registration refused:" in caplog.text and "peer=127.0.0.1" in caplog.text
