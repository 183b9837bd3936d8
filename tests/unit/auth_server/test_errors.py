"""Errors raised outside an endpoint's own handling still answer in RFC 6749 §5.2 JSON."""

from __future__ import annotations

from .conftest import assert_oauth_error, basic


def test_unknown_routes_answer_json(http):
    resp = http.get("/nope")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "invalid_request"


def test_plain_http_to_a_non_local_issuer_is_refused_in_rfc_shape(http, clients, monkeypatch):
    # Authlib's https check fires while it parses the request; it must not become a 500.
    monkeypatch.delenv("AUTHLIB_INSECURE_TRANSPORT", raising=False)
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(*clients.create()),
        base_url="http://as.test",  # the issuer's own name, over plain http
    )
    assert_oauth_error(resp, 400, "insecure_transport")
