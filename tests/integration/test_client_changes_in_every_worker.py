"""`clients disable`, `rotate-secret` and `revoke-tokens` are in force in every worker of a
2-worker AS as soon as the command returns, although each worker keeps client records in
memory (``auth_server/storage/client_cache.py``).

Each request opens a new connection, so both workers answer; before the command every
thread that answers has the client cached, and none may still use that record afterwards.
"""

from __future__ import annotations

import json

import pytest
import requests

CONNECTIONS = 30


@pytest.fixture
def auth_server(auth_server_factory):
    # Every refused request below is a failed client authentication; keep them all 401s
    # rather than 429s from the failure throttle (client_auth_abuse.py).
    return auth_server_factory(AUTH_CLIENT_AUTH_FAILURE_LIMIT="1000/minute")


def _token(url: str, client_id: str, secret: str) -> requests.Response:
    return requests.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=5,
    )


def _assert_invalid_client(resp: requests.Response) -> None:
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"] == "invalid_client"
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
    assert resp.headers["Cache-Control"] == "no-store"


def _warm(url: str, client_id: str, secret: str) -> None:
    assert all(_token(url, client_id, secret).status_code == 200 for _ in range(CONNECTIONS))


def test_a_disabled_client_is_refused_by_every_worker_at_once(auth_server):
    secret = auth_server.create_client("cached-client", "inventory:read")
    _warm(auth_server.url, "cached-client", secret)

    auth_server.cli("clients", "disable", "cached-client")

    for _ in range(CONNECTIONS):
        _assert_invalid_client(_token(auth_server.url, "cached-client", secret))


def test_a_rotated_secret_replaces_the_old_one_in_every_worker_at_once(auth_server):
    old = auth_server.create_client("rotated-client", "inventory:read")
    _warm(auth_server.url, "rotated-client", old)

    new = json.loads(auth_server.cli("clients", "rotate-secret", "rotated-client"))["client_secret"]

    for _ in range(CONNECTIONS):
        _assert_invalid_client(_token(auth_server.url, "rotated-client", old))
        assert _token(auth_server.url, "rotated-client", new).status_code == 200


def test_revoke_tokens_is_in_force_in_every_worker_at_once(auth_server):
    secret = auth_server.create_client("revoked-client", "inventory:read")
    _warm(auth_server.url, "revoked-client", secret)
    issued = _token(auth_server.url, "revoked-client", secret).json()["access_token"]

    auth_server.cli("clients", "revoke-tokens", "revoked-client")

    for _ in range(CONNECTIONS):
        answer = requests.post(
            f"{auth_server.url}/oauth/introspect",
            data={"token": issued},
            auth=("revoked-client", secret),
            timeout=5,
        )
        assert answer.json() == {"active": False}
