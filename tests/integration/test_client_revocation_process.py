"""Disabling or revoking an admin client takes Inventory's control plane away within
seconds, on real processes."""

from __future__ import annotations

import pytest
import requests

from tests.support.processes import wait_until

from .conftest import client_token

CACHE_TTL = 1


def flip(inventory, token: str) -> requests.Response:
    # A new connection per call: any worker may answer.
    return requests.put(
        f"{inventory.url}/admin/auth-mode",
        json={"mode": "dual"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


@pytest.mark.parametrize("command", ["disable", "revoke-tokens"])
def test_an_admin_client_loses_the_control_plane_within_the_introspection_cache_ttl(
    auth_server, inventory_factory, command
):
    inventory = inventory_factory(auth_server, INVENTORY_INTROSPECTION_CACHE_TTL=str(CACHE_TTL))
    secret = auth_server.create_client("platform-admin", "inventory:admin")
    token = client_token(auth_server, "platform-admin", secret)
    assert all(flip(inventory, token).status_code == 200 for _ in range(6))

    auth_server.cli("clients", command, "platform-admin")

    def refused_everywhere() -> bool:
        return all(flip(inventory, token).status_code == 401 for _ in range(6))

    wait_until(
        refused_everywhere,
        timeout=CACHE_TTL + 4,
        interval=0.1,
        what="every Inventory worker to refuse the admin token",
    )
    resp = flip(inventory, token)
    assert resp.json()["error"] == "invalid_token"
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
