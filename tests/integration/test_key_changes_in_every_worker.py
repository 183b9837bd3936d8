"""`keys rotate` and `keys revoke` are in force in every gunicorn worker when they return.

Each request below opens a new connection, so both workers answer; none may still serve
the previous key set.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import requests

from .conftest import client_token

CONNECTIONS = 30


def _kids(url: str) -> list[str]:
    return [
        k["kid"] for k in requests.get(f"{url}/.well-known/jwks.json", timeout=5).json()["keys"]
    ]


def _header_kid(token: str) -> str:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))["kid"]


def test_a_rotation_is_seen_by_every_worker_as_soon_as_the_command_returns(auth_server):
    secret = auth_server.create_client("rotating-client", "inventory:read")
    old = _header_kid(client_token(auth_server, "rotating-client", secret))

    new = json.loads(auth_server.cli("keys", "rotate"))["kid"]

    tokens = [client_token(auth_server, "rotating-client", secret) for _ in range(CONNECTIONS)]
    assert {_header_kid(t) for t in tokens} == {new}
    assert all(_kids(auth_server.url) == [new, old] for _ in range(CONNECTIONS))


def test_a_revocation_is_seen_by_every_worker_as_soon_as_the_command_returns(auth_server):
    secret = auth_server.create_client("revoking-client", "inventory:read")
    stolen = client_token(auth_server, "revoking-client", secret)
    kid = _header_kid(stolen)

    new = json.loads(auth_server.cli("keys", "revoke", kid))["signing_kid"]

    assert all(_kids(auth_server.url) == [new] for _ in range(CONNECTIONS))
    for _ in range(CONNECTIONS):
        answer = requests.post(
            f"{auth_server.url}/oauth/introspect",
            data={"token": stolen},
            auth=("revoking-client", secret),
            timeout=5,
        )
        assert answer.json() == {"active": False}
    assert not (Path(auth_server.env["AUTH_DATA_DIR"]) / "keys" / f"{kid}.pem").exists()
