"""The advertised authorization endpoint refuses every request in RFC 6749 form."""

from __future__ import annotations

import pytest

from .conftest import ISSUER


def test_metadata_names_an_authorization_endpoint_on_the_issuer(http):
    meta = http.get("/.well-known/oauth-authorization-server").get_json()
    assert meta["authorization_endpoint"] == f"{ISSUER}/oauth/authorize"
    assert meta["response_types_supported"] == []


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("response_type", ["code", "token", "anything"])
def test_any_response_type_is_unsupported_and_never_redirected(http, method, response_type):
    params = {
        "response_type": response_type,
        "client_id": "someone",
        "redirect_uri": "https://evil.example/cb",
        "state": "s",
    }
    kwargs = {"query_string": params} if method == "get" else {"data": params}
    resp = getattr(http, method)("/oauth/authorize", **kwargs)
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.get_json()["error"] == "unsupported_response_type"


def test_a_request_without_response_type_is_invalid_request(http):
    resp = http.get("/oauth/authorize")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_request"
