"""The token, introspection and revocation bodies are parsed once, by the strict checks.

``form_checks.check_form_request`` parses the body with the strict rules and gives the
result to ``request.form``; werkzeug (and Authlib through it) then reads that instead of
parsing the bytes again. What the checks refuse is in test_error_shapes.py; these tests
show that what they accept is exactly what Authlib sees.
"""

from __future__ import annotations

import pytest
from authlib.oauth2.rfc6749 import InvalidRequestError
from flask import request

from auth_server.form_checks import check_form_request

from .conftest import RESOURCE, decode_part, token_request

FORM = "application/x-www-form-urlencoded"


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
