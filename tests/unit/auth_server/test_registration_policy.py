"""RFC 7591 registration grants only what the allow-lists say.

The attack these tests stand for: a holder of ``AUTH_ADMIN_TOKEN`` registers a client
holding ``inventory:admin``, or one for a foreign resource, and no log line says so.
"""

from __future__ import annotations

import logging

import pytest

from auth_server import create_app

from .conftest import ADMIN_TOKEN, ISSUER, OTHER_RESOURCE, RESOURCE, Clients

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def register(http, scope: str, resource: str):
    return http.post(
        "/oauth/register", json={"scope": scope, "resource": [resource]}, headers=ADMIN
    )


def _refused(resp, words: str) -> None:
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["error"] == "invalid_client_metadata"
    assert words in body["error_description"]


@pytest.fixture
def default_policy(tmp_path):
    """No AUTH_REGISTRATION_* set: the defaults apply."""
    return create_app({"issuer": ISSUER, "data_dir": str(tmp_path), "admin_token": ADMIN_TOKEN})


def test_inventory_admin_cannot_be_registered_by_default(default_policy):
    Clients(default_policy).create()  # an operator-made client makes RESOURCE known
    resp = register(default_policy.test_client(), "inventory:read inventory:admin", RESOURCE)
    _refused(resp, "may not grant inventory:admin")


def test_a_foreign_resource_cannot_be_registered_by_default(default_policy):
    Clients(default_policy).create()
    resp = register(default_policy.test_client(), "inventory:read", "http://evil.test/api")
    _refused(resp, "http://evil.test/api")


def test_by_default_resources_an_operator_registered_are_allowed(default_policy, caplog):
    http = default_policy.test_client()
    _refused(register(http, "inventory:read", RESOURCE), RESOURCE)  # nobody uses it yet
    Clients(default_policy).create()
    with caplog.at_level(logging.INFO):
        resp = register(http, "inventory:read inventory:write", RESOURCE)
    assert resp.status_code == 201, resp.get_json()
    client_id = resp.get_json()["client_id"]
    assert (
        f"client registered (RFC 7591) client_id={client_id} "
        f"scope='inventory:read inventory:write' resources={RESOURCE} "
        "auth_method=client_secret_basic peer=127.0.0.1" in caplog.text
    )
    assert resp.get_json()["client_secret"] not in caplog.text


def test_the_allow_lists_are_configurable(settings):
    app = create_app(
        {**settings, "registration_scopes": "inventory:read", "registration_resources": RESOURCE}
    )
    http = app.test_client()
    assert register(http, "inventory:read", RESOURCE).status_code == 201
    _refused(register(http, "inventory:write", RESOURCE), "may not grant inventory:write")
    _refused(register(http, "inventory:read", OTHER_RESOURCE), OTHER_RESOURCE)


def test_an_admin_scope_can_be_allowed_explicitly(settings):
    app = create_app({**settings, "registration_scopes": "inventory:admin"})
    assert register(app.test_client(), "inventory:admin", RESOURCE).status_code == 201


def test_refusals_are_logged(settings, caplog):
    http = create_app(settings).test_client()
    with caplog.at_level(logging.INFO):
        register(http, "inventory:admin", RESOURCE)
    assert "registration refused: registration may not grant inventory:admin" in caplog.text
