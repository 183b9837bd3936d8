"""RFC 7009 revocation: a client withdraws its own tokens, and only those."""

from __future__ import annotations

from ..conftest import basic, token_request


def test_revoked_token_introspects_as_inactive(http, clients):
    client_id, secret = clients.create()
    token = token_request(http, client_id, secret).get_json()["access_token"]
    revoked = http.post("/oauth/revoke", data={"token": token}, headers=basic(client_id, secret))
    assert revoked.status_code == 200
    resp = http.post("/oauth/introspect", data={"token": token}, headers=basic(client_id, secret))
    assert resp.get_json() == {"active": False}


def test_a_client_cannot_revoke_another_clients_token(http, clients):
    owner_id, owner_secret = clients.create()
    other_id, other_secret = clients.create()
    token = token_request(http, owner_id, owner_secret).get_json()["access_token"]
    resp = http.post("/oauth/revoke", data={"token": token}, headers=basic(other_id, other_secret))
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_grant"
    still = http.post(
        "/oauth/introspect", data={"token": token}, headers=basic(owner_id, owner_secret)
    )
    assert still.get_json()["active"] is True


def test_revoking_an_unknown_token_succeeds_quietly(http, clients):
    # RFC 7009 §2.2: invalid tokens do not cause an error response.
    client_id, secret = clients.create()
    resp = http.post("/oauth/revoke", data={"token": "nonsense"}, headers=basic(client_id, secret))
    assert resp.status_code == 200
