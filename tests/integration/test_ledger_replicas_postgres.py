"""Two Inventory replicas (two gunicorn workers each) on one PostgreSQL, behind a round-robin
balancer: the usage ledger, the cockpit, ``api-keys audit`` and the purge's safety check see
every replica's traffic once each process has folded its counts (within a second)."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.support.processes import run_cli, wait_until

from .conftest import client_token


@pytest.fixture
def admin(auth_server) -> dict[str, str]:
    client_id = f"admin-{uuid.uuid4().hex[:8]}"
    secret = auth_server.create_client(client_id, "inventory:admin")
    return {"Authorization": f"Bearer {client_token(auth_server, client_id, secret)}"}


def _key_call(url: str, key: str) -> int:
    """On a new connection each, so the balancer sends every other call to the other replica."""
    headers = {"X-API-Key": key, "Connection": "close"}
    return requests.get(f"{url}/inventory", headers=headers, timeout=10).status_code


def _cockpit_row(url: str, admin: dict[str, str], client_id: str) -> dict | None:
    body = requests.get(f"{url}/admin/cockpit", headers=admin, timeout=10).json()
    return next((c for c in body["clients"] if c["client_id"] == client_id), None)


def _accepted_key_calls(url: str, admin: dict[str, str], client_id: str) -> int:
    row = _cockpit_row(url, admin, client_id)
    return row["api_key"]["accepted"] if row else 0


def test_key_calls_through_both_replicas_show_as_one_sum_in_either_cockpit(
    inventory_replicas, admin
):
    (a, b), balancer = inventory_replicas
    key = a.api_key("reporting-job", "inventory:read")
    assert [_key_call(balancer.url, key) for _ in range(30)] == [200] * 30

    for replica in (a, b):
        wait_until(
            lambda r=replica: _accepted_key_calls(r.url, admin, "reporting-job") == 30,
            timeout=10,
            what=f"30 key calls in the cockpit of {replica.url}",
        )
    row = _cockpit_row(b.url, admin, "reporting-job")
    assert (row["state"], row["scopes_used"]) == ("keys", ["inventory:read"])
    usage = requests.get(f"{a.url}/admin/auth-usage", headers=admin, timeout=10).json()
    (client,) = [c for c in usage["clients"] if c["client_id"] == "reporting-job"]
    assert client["api_key"]["accepted"] == 30

    (audited,) = json.loads(a.cli("api-keys", "audit", "--json"))["keys"]
    assert (audited["client_id"], audited["scopes_used"]) == ("reporting-job", ["inventory:read"])
    assert audited["last_use"] is not None


def test_purge_is_refused_for_a_key_used_only_on_the_other_replica(
    inventory_replicas, admin, tmp_path
):
    (a, b), _ = inventory_replicas
    key = a.api_key("reporting-job", "inventory:read")
    assert [_key_call(b.url, key) for _ in range(3)] == [200] * 3  # only ever on b
    wait_until(
        lambda: _accepted_key_calls(a.url, admin, "reporting-job") == 3,
        timeout=10,
        what="b's key calls folded into the shared ledger",
    )

    refused = run_cli("inventory_service", a.env, "api-keys", "purge", check=False)
    assert refused.returncode == 1
    assert "reporting-job used an API key" in refused.stderr
    assert "purge refused" in refused.stderr and "Traceback" not in refused.stderr
    assert _key_call(b.url, key) == 200  # nothing was removed

    leak = tmp_path / "job.env"
    leak.write_text(f"API_KEY={key}\n")
    scanned = run_cli("inventory_service", b.env, "api-keys", "scan", str(leak), check=False)
    assert scanned.returncode == 1
    assert f"{leak}:1: live API key" in scanned.stdout and "of reporting-job" in scanned.stdout

    forced = json.loads(a.cli("api-keys", "purge", "--force"))
    assert (forced["key_count"], forced["forced"]) == (1, True)
    assert _key_call(b.url, key) == 401
    cockpit = requests.get(f"{b.url}/admin/cockpit", headers=admin, timeout=10).json()
    assert (cockpit["purge"]["key_count"], cockpit["keys_stored"]) == (1, 0)
