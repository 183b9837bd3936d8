"""``client_secret_basic`` and ``client_secret_post`` at the token endpoint (RFC 6749 §2.3.1)."""

from __future__ import annotations

import base64

import pytest

from ..conftest import assert_invalid_client, assert_oauth_error, token_request


def test_basic_credentials_are_form_url_decoded(http, clients):
    # RFC 6749 §2.3.1: a ':' in the id must be percent-encoded inside the Basic header.
    client_id, secret = clients.create(client_id="reporting:job%1")
    resp = token_request(http, client_id, secret)
    assert resp.status_code == 200, resp.get_json()


def test_plus_in_basic_credentials_means_space(http, clients):
    _, secret = clients.create(client_id="plus+id")
    raw = f"plus%2Bid:{secret}".encode()
    ok = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(raw).decode()},
    )
    assert ok.status_code == 200
    raw = f"plus+id:{secret}".encode()  # unencoded '+' decodes to ' ' and names no client
    bad = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(raw).decode()},
    )
    assert_invalid_client(bad)


def test_wrong_secret_is_invalid_client_with_basic_challenge(http, clients):
    client_id, _ = clients.create()
    assert_invalid_client(token_request(http, client_id, "not-the-secret"))


def test_unknown_client_is_indistinguishable_from_wrong_secret(http, clients):
    client_id, _ = clients.create()
    wrong = token_request(http, client_id, "not-the-secret")
    unknown = token_request(http, "no-such-client", "not-the-secret")
    assert (unknown.status_code, unknown.get_json(), unknown.headers["WWW-Authenticate"]) == (
        wrong.status_code,
        wrong.get_json(),
        wrong.headers["WWW-Authenticate"],
    )


def test_missing_client_authentication_is_invalid_client(http):
    resp = http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert_invalid_client(resp)


def test_client_secret_post_works_for_a_post_client(http, clients):
    client_id, secret = clients.create(auth_method="client_secret_post")
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert resp.status_code == 200


def test_a_client_must_use_its_registered_method(http, clients):
    client_id, secret = clients.create(auth_method="client_secret_basic")
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert_invalid_client(resp)


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


def test_a_failed_client_authentication_is_worded_without_a_python_list(http, clients):
    client_id, _ = clients.create()
    bad = token_request(http, client_id, "wrong-secret")
    description = bad.get_json()["error_description"]
    assert description.startswith("Client authentication failed: unknown client, wrong secret")
    assert "[" not in description and "client_secret_basic, " in description
