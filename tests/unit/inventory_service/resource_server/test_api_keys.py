"""Legacy API keys: accepted per mode, stored hashed, refused with a reason and a way out."""

from __future__ import annotations

import sqlite3

from inventory_service import create_app

from ..api_client import METADATA_URL, Api

BARE = f'Bearer resource_metadata="{METADATA_URL}"'


def test_api_key_works_in_api_key_mode_without_deprecation(settings, issuer):
    api = Api(create_app({**settings, "auth_mode": "api_key"}), issuer)
    resp = api.get("/inventory", key=api.api_key())
    assert resp.status_code == 200
    assert "Deprecation" not in resp.headers and "Sunset" not in resp.headers


def test_a_refused_key_says_why_and_where_to_migrate(api):
    key = api.api_key("reporting-job")
    api.set_mode("token_only")
    resp = api.get("/inventory", key=key)
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["WWW-Authenticate"] == BARE
    body = resp.get_json()
    assert body["auth_mode"] == "token_only"
    assert body["migration_docs"] == "http://inventory.test/docs/migration"
    assert "client-credentials" in body["detail"] and "reporting-job" in body["detail"]


def test_an_unknown_key_is_refused(api):
    api.api_key()
    for key in ("ik_000000000000_nope", "nonsense", "x" * 500, "ik__", "é"):
        resp = api.get("/inventory", key=key)
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"] == BARE
        assert resp.get_json()["title"] == "Invalid API key"


def test_a_key_without_the_scope_is_forbidden(api):
    resp = api.post(
        "/inventory/WIDGET-1/reservations",
        {"order_id": "o1", "quantity": 1},
        key=api.api_key(scope="inventory:read"),
    )
    assert resp.status_code == 403
    assert resp.get_json()["required_scope"] == "inventory:write"


def test_keys_are_stored_hashed(app, api):
    key = api.api_key()
    dump = "\n".join(sqlite3.connect(app.extensions["stock"].db.path).iterdump())
    secret = key.split("_", 2)[2]  # ik_<hex id>_<secret>; the secret may contain "_"
    assert key not in dump and secret not in dump
