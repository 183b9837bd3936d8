"""The cockpit on real processes: the audit's AS command works as printed, a brownout set in
the environment is obeyed by every worker, the scan gates a CI job by its exit status."""

import json
import os
import shlex
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import jwt
import requests

from tests.support.processes import ROOT, run_cli, wait_until

from .conftest import RESOURCE, client_token


def test_the_audit_command_for_a_key_that_only_read_works_as_printed(
    auth_server, inventory_factory
):
    inventory = inventory_factory(auth_server)
    key = inventory.api_key("reporting-job", "inventory:read inventory:write")
    for path in ("/inventory", "/inventory/WIDGET-1"):
        assert requests.get(f"{inventory.url}{path}", headers={"X-API-Key": key}).status_code == 200

    def reporting_row():
        keys = json.loads(inventory.cli("api-keys", "audit", "--json"))["keys"]
        row = next(k for k in keys if k["client_id"] == "reporting-job")
        return row if row["scopes_used"] else None  # workers fold their counts each second

    row = wait_until(reporting_row, what="the audit to see reporting-job's reads")
    assert row["over_privileged"] is True and row["recommended_scope"] == "inventory:read"
    argv = shlex.split(row["as_command"])
    assert argv[:3] == ["flask", "--app", "auth_server"]
    created = subprocess.run(
        [sys.executable, "-m", *argv],
        env={**os.environ, **auth_server.env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert created.returncode == 0, created.stderr
    secret = json.loads(created.stdout)["client_secret"]
    token = client_token(auth_server, "reporting-job", secret)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scope"] == "inventory:read" and claims["aud"] == RESOURCE
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{inventory.url}/inventory", headers=bearer).status_code == 200
    write = requests.post(
        f"{inventory.url}/inventory/WIDGET-1/reservations",
        json={"order_id": "audit-1", "quantity": 1},
        headers=bearer,
    )
    assert write.status_code == 403
    assert 'error="insufficient_scope"' in write.headers["WWW-Authenticate"]


def test_a_brownout_from_the_environment_is_obeyed_by_every_worker(auth_server, inventory_factory):
    start = datetime.now(UTC) - timedelta(minutes=1)
    window = f"{start:%Y-%m-%dT%H:%M:%S}Z/PT30M"
    inventory = inventory_factory(
        auth_server,
        workers=2,
        INVENTORY_API_KEY_SUNSET="2099-01-31",
        INVENTORY_API_KEY_BROWNOUTS=window,
    )
    key = inventory.api_key("reporting-job")
    for _ in range(8):
        resp = requests.get(
            f"{inventory.url}/inventory", headers={"X-API-Key": key, "Connection": "close"}
        )
        assert resp.status_code == 401
        body = resp.json()
        assert body["title"] == "API key brownout" and body["sunset"] == "2099-01-31"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer resource_metadata=")


def test_scan_exit_status_gates_ci_and_the_key_never_reaches_the_output(
    auth_server, inventory_factory, tmp_path
):
    inventory = inventory_factory(auth_server)
    key = inventory.api_key("reporting-job")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "settings.py").write_text(f'INVENTORY_KEY = "{key}"\n')
    env = {**inventory.env, "STAGING_KEY": key}
    found = run_cli(
        "inventory_service", env, "api-keys", "scan", "--env", str(tmp_path / "repo"), check=False
    )
    assert found.returncode == 1
    assert "settings.py:1: live API key" in found.stdout and "env:STAGING_KEY" in found.stdout
    assert key not in found.stdout + found.stderr
    (tmp_path / "repo" / "settings.py").write_text('INVENTORY_KEY = os.environ["KEY"]\n')
    clean = run_cli(
        "inventory_service", inventory.env, "api-keys", "scan", str(tmp_path / "repo"), check=False
    )
    assert clean.returncode == 0 and "0 live key(s)" in clean.stdout
