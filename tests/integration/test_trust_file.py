"""The issuers file is followed while Inventory serves: an edit is in force at once.

Two third-party issuers are trusted by ``INVENTORY_ISSUERS_FILE``; the REST API (two
workers) and the MCP server follow edits of the file without a restart: a dropped issuer's
tokens are refused by every worker and the RFC 9728 metadata stops listing it, while a
broken edit keeps the last good trust set. Token calls are counted per issuer for the
dashboard.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.support.issuer import TestIssuer
from tests.support.processes import Service, free_port, wait_until

RESOURCE = "http://inventory.test"
UNTRUSTED = "The token comes from an issuer this API does not trust."
MCP_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


def trust(path: Path, *issuers: TestIssuer) -> None:
    """Write the file whole and rename it into place, as the docs advise."""
    text = "".join(
        f'[[issuer]]\nurl = "{i.issuer}"\nadmin_verification = "jwt"\n\n' for i in issuers
    )
    draft = path.with_suffix(".draft")
    draft.write_text(text)
    os.replace(draft, path)


def start(tmp_path: Path, trust_file: Path) -> tuple[Service, Service, str]:
    port, mcp_port = free_port(), free_port()
    mcp_url = f"http://127.0.0.1:{mcp_port}/mcp"
    env = {
        "INVENTORY_ISSUERS_FILE": str(trust_file),
        "INVENTORY_RESOURCE": RESOURCE,
        "INVENTORY_DATA_DIR": str(tmp_path / "inventory"),
        "INVENTORY_WORKERS": "2",
        "INVENTORY_AUTH_MODE": "token_only",
        "INVENTORY_PORT": str(port),
        "INVENTORY_MCP_RESOURCE": mcp_url,
        "INVENTORY_MCP_PORT": str(mcp_port),
    }
    rest = Service("inventory_service", env, port, tmp_path / "inventory.log").start()
    mcp = Service("inventory_service.mcp", env, mcp_port, tmp_path / "mcp.log").start()
    return rest, mcp, mcp_url


@pytest.fixture
def two_issuers(tmp_path):
    """Inventory (REST and MCP) trusting two issuers by a file: (old, new, file, rest, mcp_url)."""
    old, new = TestIssuer(), TestIssuer()
    trust_file = tmp_path / "issuers.toml"
    trust(trust_file, old, new)
    rest, mcp, mcp_url = start(tmp_path, trust_file)
    try:
        yield old, new, trust_file, rest, mcp, mcp_url
    finally:
        rest.stop()
        mcp.stop()
        old.close()
        new.close()


def statuses(rest: Service, token: str, n: int = 6) -> set[int]:
    """Several calls, so that both workers answer."""
    headers = {"Authorization": f"Bearer {token}"}
    return {
        requests.get(f"{rest.url}/inventory", headers=headers, timeout=10).status_code
        for _ in range(n)
    }


def mcp_status(mcp_url: str, token: str) -> int:
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}"}
    return requests.post(mcp_url, json=MCP_LIST, headers=headers, timeout=10).status_code


def test_an_issuer_dropped_from_the_trust_file_is_refused_at_once_without_a_restart(two_issuers):
    old, new, trust_file, rest, mcp, mcp_url = two_issuers
    from_old, from_new = old.mint(RESOURCE), new.mint(RESOURCE)
    assert statuses(rest, from_old) == statuses(rest, from_new) == {200}
    assert mcp_status(mcp_url, old.mint(mcp_url)) == 200

    trust(trust_file, new)
    assert statuses(rest, from_old) == {401}
    refused = requests.get(
        f"{rest.url}/inventory", headers={"Authorization": f"Bearer {from_old}"}, timeout=10
    )
    assert refused.json()["error_description"] == UNTRUSTED
    assert statuses(rest, from_new) == {200}
    assert mcp_status(mcp_url, old.mint(mcp_url)) == 401
    assert mcp_status(mcp_url, new.mint(mcp_url)) == 200
    meta = requests.get(f"{rest.url}/.well-known/oauth-protected-resource", timeout=10)
    assert meta.json()["authorization_servers"] == [new.issuer]
    mcp_meta = requests.get(f"{mcp.url}/.well-known/oauth-protected-resource/mcp", timeout=10)
    assert mcp_meta.json()["authorization_servers"] == [new.issuer]


def test_a_broken_trust_file_edit_keeps_the_last_good_issuers(two_issuers, tmp_path):
    old, new, trust_file, rest, _, _ = two_issuers
    trust_file.write_text('[[issuer]]\nurl = "not a url"\n')
    assert statuses(rest, old.mint(RESOURCE)) == {200}
    assert statuses(rest, new.mint(RESOURCE)) == {200}
    metrics = requests.get(f"{rest.url}/metrics", timeout=10).text
    assert 'inventory_issuers_file_reloads_total{outcome="failed"}' in metrics
    assert "still trusting" in (tmp_path / "inventory.log").read_text()


def test_token_calls_are_counted_per_issuer_for_the_dashboard(two_issuers):
    old, new, _, rest, _, _ = two_issuers
    statuses(rest, old.mint(RESOURCE, client_id="order-service"), n=2)
    statuses(rest, new.mint(RESOURCE, client_id="order-service"), n=3)
    reader = new.mint(RESOURCE, client_id="order-service", scope="inventory:read")
    headers = {"Authorization": f"Bearer {reader}"}
    body = {"order_id": "per-issuer-1", "quantity": 1}
    write = requests.post(
        f"{rest.url}/inventory/WIDGET-1/reservations", json=body, headers=headers, timeout=10
    )
    assert write.status_code == 403
    admin = old.mint(RESOURCE, client_id="platform-admin", scope="inventory:admin")

    def per_issuer() -> dict[tuple[str, str], dict]:
        usage = requests.get(
            f"{rest.url}/admin/auth-usage",
            headers={"Authorization": f"Bearer {admin}"},
            timeout=10,
        ).json()["issuers"]
        return {(r["issuer"], r["client_id"]): r for r in usage}

    def moved() -> bool:
        rows = per_issuer()
        counts = {key: (r["accepted"], r["refused"]) for key, r in rows.items()}
        return counts.get((old.issuer, "order-service")) == (2, 0) and counts.get(
            (new.issuer, "order-service")
        ) == (3, 1)

    # Each worker folds its counts once a second: both workers' calls show within seconds.
    wait_until(moved, 10, what=f"per-issuer counts, last seen {per_issuer()}")
    dashboard = requests.get(
        f"{rest.url}/admin/dashboard", headers={"Authorization": f"Bearer {admin}"}, timeout=10
    )
    assert "Token calls per issuer" in dashboard.text
    assert new.issuer in dashboard.text
