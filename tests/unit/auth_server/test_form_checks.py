"""The strict form rules of the token, introspection and revocation endpoints.

``form_checks.check_form_request`` refuses what OAuth forbids (RFC 6749 §3.2, §2.3) with
``invalid_request`` in RFC 6749 §5.2 form, and parses the body once: what it accepts is
exactly what Authlib sees.
"""

from __future__ import annotations

import pytest
from authlib.oauth2.rfc6749 import InvalidRequestError
from flask import request

from auth_server.form_checks import check_form_request

from .conftest import RESOURCE, assert_oauth_error, basic, decode_part, token_request

FORM = "application/x-www-form-urlencoded"


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


@pytest.mark.parametrize("path", ["/oauth/introspect", "/oauth/revoke"])
def test_introspect_and_revoke_apply_the_same_form_rules(http, creds, path):
    assert_oauth_error(http.post(path, json={"token": "x"}, headers=creds), 400, "invalid_request")
    assert_oauth_error(http.post(path, data={}, headers=creds), 400, "invalid_request")


def test_basic_header_and_body_secret_together_are_invalid_request(http, clients):
    client_id, secret = clients.create()
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        headers=basic(client_id, secret),
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_request"


def test_the_checks_leave_the_parsed_form_on_the_request(app):
    body = (
        "grant_type=client_credentials&scope=inventory%3Aread+inventory%3Awrite"
        "&resource=a&resource=b"
    )
    with app.test_request_context("/oauth/token", method="POST", data=body, content_type=FORM):
        check_form_request(request)
        # werkzeug parses only when ``form`` is not stored yet: it is, so it never will.
        assert "form" in request.__dict__ and "files" in request.__dict__
        assert request.form["grant_type"] == "client_credentials"
        assert request.form["scope"] == "inventory:read inventory:write"  # + is a space
        assert request.form.getlist("resource") == ["a", "b"]
        assert not request.files
        assert request.values.to_dict(flat=False) == request.form.to_dict(flat=False)


def test_a_refused_body_leaves_no_form_behind(app):
    body = "grant_type=client_credentials&scope=a&scope=b"
    with app.test_request_context("/oauth/token", method="POST", data=body, content_type=FORM):
        with pytest.raises(InvalidRequestError, match="'scope' is repeated"):
            check_form_request(request)
        assert "form" not in request.__dict__


def test_authlib_reads_the_parameters_the_checks_parsed(http, clients):
    creds = clients.create(resources=(RESOURCE, "http://reports.test"))
    resp = token_request(http, *creds, scope="inventory:read", resource="http://reports.test")
    assert resp.status_code == 200
    claims = decode_part(resp.get_json()["access_token"], 1)
    assert claims["scope"] == "inventory:read"
    assert claims["aud"] == "http://reports.test"


def test_client_secret_post_credentials_come_from_the_parsed_form(http, clients):
    client_id, secret = clients.create(auth_method="client_secret_post")
    body = f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
    resp = http.post("/oauth/token", data=body, content_type=FORM)
    assert resp.status_code == 200
    assert decode_part(resp.get_json()["access_token"], 1)["client_id"] == client_id
