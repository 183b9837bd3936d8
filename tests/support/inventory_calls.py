"""The issue's table as one check: read 200, write 201, a read-only token's write 403."""

from __future__ import annotations

import requests

RESOURCE = "http://inventory.test"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_scoped_calls(url: str, reader: str, writer: str, order_id: str) -> None:
    """``reader`` holds inventory:read, ``writer`` inventory:write too, both for RESOURCE."""
    reserve = f"{url}/inventory/WIDGET-1/reservations"
    body = {"order_id": order_id, "quantity": 1}
    assert requests.get(f"{url}/inventory", headers=bearer(reader), timeout=10).status_code == 200
    assert requests.post(reserve, json=body, headers=bearer(writer), timeout=10).status_code == 201
    refused = requests.post(reserve, json=body, headers=bearer(reader), timeout=10)
    assert refused.status_code == 403
    assert refused.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="inventory:write", '
        f'resource_metadata="{RESOURCE}/.well-known/oauth-protected-resource"'
    )
    assert refused.json()["error"] == "insufficient_scope"
