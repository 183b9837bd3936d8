"""The client-credentials grant: scope, RFC 8707 resource, other grants, metric, audit line."""

from __future__ import annotations

import logging

import pytest

from auth_server import metrics

from ..conftest import OTHER_RESOURCE, RESOURCE, basic, decode_part, token_request


def test_requested_scope_subset_is_granted(app, http, clients):
    client_id, secret = clients.create()
    body = token_request(http, client_id, secret, scope="inventory:read").get_json()
    assert body["scope"] == "inventory:read"
    assert decode_part(body["access_token"], 1)["scope"] == "inventory:read"


def test_scope_with_nothing_the_client_holds_is_invalid_scope(http, clients):
    client_id, secret = clients.create(scope="inventory:read")
    resp = token_request(http, client_id, secret, scope="inventory:admin")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_scope"
    assert resp.headers["Cache-Control"] == "no-store"


def test_scope_partly_beyond_the_clients_is_narrowed_and_said_in_scope(http, clients):
    """RFC 6749 §3.3, as Keycloak does: issue fewer scopes than asked, and say which."""
    client_id, secret = clients.create(scope="inventory:read")
    resp = token_request(http, client_id, secret, scope="inventory:read inventory:write")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["scope"] == "inventory:read"
    assert decode_part(body["access_token"], 1)["scope"] == "inventory:read"


def test_scope_prefix_is_not_a_scope(http, clients):
    client_id, secret = clients.create(scope="inventory:read")
    resp = token_request(http, client_id, secret, scope="inventory")
    assert resp.get_json()["error"] == "invalid_scope"


def test_resource_selects_one_of_the_clients_audiences(http, clients):
    client_id, secret = clients.create(resources=(RESOURCE, OTHER_RESOURCE))
    body = token_request(http, client_id, secret, resource=OTHER_RESOURCE).get_json()
    assert decode_part(body["access_token"], 1)["aud"] == OTHER_RESOURCE


def test_unregistered_resource_is_invalid_target(http, clients):
    client_id, secret = clients.create()
    resp = token_request(http, client_id, secret, resource="http://evil.test")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_target"


def test_invalid_target_names_the_registered_resource(http, clients):
    client_id, secret = clients.create()
    resp = token_request(http, client_id, secret, resource="http://localhost:9001")
    description = resp.get_json()["error_description"]
    assert "for http://localhost:9001;" in description
    assert f"it is registered for: {RESOURCE}." in description


def test_two_resources_in_one_request_are_invalid_target(http, clients):
    client_id, secret = clients.create(resources=(RESOURCE, OTHER_RESOURCE))
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "resource": [RESOURCE, OTHER_RESOURCE]},
        headers=basic(client_id, secret),
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_target"


@pytest.mark.parametrize("grant_type", ["authorization_code", "password", "refresh_token", ""])
def test_other_grants_are_unsupported(http, clients, grant_type):
    client_id, secret = clients.create()
    resp = http.post(
        "/oauth/token", data={"grant_type": grant_type}, headers=basic(client_id, secret)
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "unsupported_grant_type"


def test_disabled_client_is_refused(app, http, clients):
    client_id, secret = clients.create()
    clients.registry.disable(client_id)
    resp = token_request(http, client_id, secret)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_client"


def test_issued_tokens_are_counted_per_client(http, clients):
    client_id, secret = clients.create()
    before = metrics.TOKENS_ISSUED.labels(client_id=client_id)._value.get()
    token_request(http, client_id, secret)
    token_request(http, client_id, secret)
    assert metrics.TOKENS_ISSUED.labels(client_id=client_id)._value.get() == before + 2
    assert f'auth_tokens_issued_total{{client_id="{client_id}"}} 2.0' in http.get("/metrics").text


def test_every_issued_token_leaves_one_audit_line(http, clients, caplog):
    client_id, secret = clients.create()
    with caplog.at_level(logging.INFO, logger="auth_server"):
        for _ in range(3):
            assert token_request(http, client_id, secret).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("token issued")]
    assert lines == [f"token issued client_id={client_id} aud={RESOURCE}"] * 3


def test_the_audit_line_keeps_its_time_level_and_logger(http, clients, caplog):
    client_id, secret = clients.create()
    with caplog.at_level(logging.INFO, logger="auth_server"):
        assert token_request(http, client_id, secret).status_code == 200
    record = next(r for r in caplog.records if r.getMessage().startswith("token issued"))
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    line = formatter.format(record)
    assert line.endswith(
        f" INFO auth_server.oauth2 token issued client_id={client_id} aud={RESOURCE}"
    )
    assert line[:4].isdigit()  # starts with the date
