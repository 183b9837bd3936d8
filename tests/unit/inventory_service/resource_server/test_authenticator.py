"""How a request is judged: the credential used, the scope needed, the RFC 6750 answers."""

from __future__ import annotations

import pytest

from ..api_client import METADATA_URL, assert_invalid_token


def test_a_valid_token_reads_stock(api):
    resp = api.get("/inventory/WIDGET-1", token=api.token())
    assert resp.status_code == 200
    assert resp.get_json()["sku"] == "WIDGET-1"
    assert "Deprecation" not in resp.headers


def test_no_credentials_gets_a_bare_bearer_challenge(api):
    resp = api.get("/inventory")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{METADATA_URL}"'


def test_missing_scope_is_insufficient_scope_with_the_scope_named(api):
    resp = api.post(
        "/inventory/WIDGET-1/reservations",
        {"order_id": "o-1", "quantity": 1},
        token=api.token(scope="inventory:read"),
    )
    assert resp.status_code == 403
    assert resp.headers["WWW-Authenticate"] == (
        f'Bearer error="insufficient_scope", scope="inventory:write", resource_metadata="{METADATA_URL}"'
    )
    assert resp.get_json()["error"] == "insufficient_scope"


@pytest.mark.parametrize(
    "scope",
    [
        "inventory:readonly",
        "inventory",
        "inventory:rea",
        "xinventory:read",
        "inventory:read,inventory:write",
    ],
)
def test_scopes_are_whole_words(api, scope):
    resp = api.get("/inventory", token=api.token(scope=scope))
    assert resp.status_code == 403
    assert resp.headers["WWW-Authenticate"].startswith(
        'Bearer error="insufficient_scope", scope="inventory:read"'
    )


def test_a_token_in_the_query_string_is_refused(api):
    resp = api.get(f"/inventory?access_token={api.token()}")
    assert resp.status_code == 400
    assert (
        resp.headers["WWW-Authenticate"]
        == f'Bearer error="invalid_request", resource_metadata="{METADATA_URL}"'
    )


def test_a_request_with_key_and_token_is_judged_on_the_token(api):
    key = api.api_key()
    assert_invalid_token(api.get("/inventory", token="not.a.token", key=key))
    ok = api.get("/inventory", token=api.token(), key=key)
    assert ok.status_code == 200
    assert "Deprecation" not in ok.headers
