"""Malformed input of any kind gets a 4xx in RFC 6749 §5.2 form, never a 5xx."""

import base64

import pytest

from .conftest import basic


def assert_oauth_error(resp, status, error):
    assert resp.status_code == status, resp.data[:300]
    assert resp.mimetype == "application/json"
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["error"] == error
    assert "Traceback" not in resp.get_data(as_text=True)


@pytest.fixture
def creds(clients):
    return basic(*clients.create())


def test_get_is_refused_with_allow_post(http):
    resp = http.get("/oauth/token?grant_type=client_credentials")
    assert_oauth_error(resp, 405, "invalid_request")
    assert resp.headers["Allow"] == "POST"


def test_parameters_in_the_query_string_are_refused(http, creds):
    resp = http.post(
        "/oauth/token?scope=inventory:read",
        data={"grant_type": "client_credentials"},
        headers=creds,
    )
    assert_oauth_error(resp, 400, "invalid_request")


def test_json_body_is_refused(http, creds):
    resp = http.post("/oauth/token", json={"grant_type": "client_credentials"}, headers=creds)
    assert_oauth_error(resp, 400, "invalid_request")


def test_multipart_body_is_refused(http, creds):
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        content_type="multipart/form-data",
        headers=creds,
    )
    assert_oauth_error(resp, 400, "invalid_request")


def test_duplicate_parameters_are_refused(http, creds):
    resp = http.post(
        "/oauth/token",
        data="grant_type=client_credentials&scope=inventory:read&scope=inventory:write",
        content_type="application/x-www-form-urlencoded",
        headers=creds,
    )
    assert_oauth_error(resp, 400, "invalid_request")
    assert "scope" in resp.get_json()["error_description"]


@pytest.mark.parametrize(
    "body",
    [
        b"grant_type=client_credentials&scope=\xff\xfe",
        b"grant_type=client_credentials&scope=%FF%FE",
    ],
)
def test_non_utf8_bodies_are_refused(http, creds, body):
    resp = http.post(
        "/oauth/token", data=body, content_type="application/x-www-form-urlencoded", headers=creds
    )
    assert_oauth_error(resp, 400, "invalid_request")


def test_a_two_megabyte_body_is_refused(http, creds):
    body = b"grant_type=client_credentials&pad=" + b"a" * (2 * 1024 * 1024)
    resp = http.post(
        "/oauth/token", data=body, content_type="application/x-www-form-urlencoded", headers=creds
    )
    assert resp.status_code in (400, 413)
    assert resp.get_json()["error"] == "invalid_request"
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\xfd").decode(),
        "Basic " + base64.b64encode(b":").decode(),
        "Bearer abc",
        "Basic " + "A" * 10000,
        "Basic " + base64.b64encode(b"%zz:%zz").decode(),
    ],
)
def test_malformed_basic_headers_are_invalid_client(http, header):
    resp = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": header}
    )
    assert_oauth_error(resp, 401, "invalid_client")
    assert resp.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "form",
    [
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "x.y.z",
        },
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "e30.W10.sig",
        },
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "eyJhbGciOiJub25lIn0.eyJzdWIiOnt9fQ.",
        },
        {"grant_type": "client_credentials", "client_id": "x" * 5000, "client_secret": "y"},
    ],
)
def test_malformed_client_assertions_are_invalid_client(http, form):
    assert_oauth_error(http.post("/oauth/token", data=form), 401, "invalid_client")


def test_unknown_routes_answer_json(http):
    resp = http.get("/nope")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("path", ["/oauth/introspect", "/oauth/revoke"])
def test_introspect_and_revoke_apply_the_same_form_rules(http, creds, path):
    assert_oauth_error(http.post(path, json={"token": "x"}, headers=creds), 400, "invalid_request")
    assert_oauth_error(http.post(path, data={}, headers=creds), 400, "invalid_request")


def test_secrets_and_tokens_never_reach_the_log(http, clients, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    client_id, secret = clients.create()
    token = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    access_token = token.get_json()["access_token"]
    http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(client_id, "wrong-secret"),
    )
    http.post("/oauth/revoke", data={"token": access_token}, headers=basic(client_id, secret))
    assert client_id in caplog.text  # the log does say who called
    for secret_value in (secret, "wrong-secret", access_token, access_token.split(".")[2]):
        assert secret_value not in caplog.text


def test_plain_http_to_a_non_local_issuer_is_refused_in_rfc_shape(http, clients, monkeypatch):
    # Authlib's https check fires while it parses the request; it must not become a 500.
    monkeypatch.delenv("AUTHLIB_INSECURE_TRANSPORT", raising=False)
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(*clients.create()),
        base_url="http://auth.example",
    )
    assert_oauth_error(resp, 400, "insecure_transport")
