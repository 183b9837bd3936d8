"""Data files are created 0600 and data dirs 0700."""

from __future__ import annotations

import os
import stat

import pytest


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_auth_servers_database_keys_and_manifest_are_private(tmp_path):
    from auth_server import create_app

    data = tmp_path / "auth"
    app = create_app({"issuer": "http://as.test", "data_dir": str(data)})
    app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"})
    files = [data / "auth.db", data / "auth.db-wal", data / "auth.db-shm"]
    files += list((data / "keys").iterdir())
    assert {f.name for f in files} >= {"auth.db", "auth.db-wal", "manifest.json", ".lock"}
    assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert _mode(data) == 0o700 and _mode(data / "keys") == 0o700


def test_the_inventory_database_is_private(tmp_path):
    from inventory_service import create_app

    data = tmp_path / "inventory"
    create_app({"issuer": "http://as.test", "resource": "http://inv.test", "data_dir": str(data)})
    assert _mode(data) == 0o700
    for name in ("inventory.db", "inventory.db-wal", "inventory.db-shm"):
        assert _mode(data / name) == 0o600, name


def test_the_order_database_is_private(tmp_path):
    from order_service import create_app

    data = tmp_path / "order"
    create_app(
        {
            "inventory_url": "http://inv.test",
            "data_dir": str(data),
            "auth": "api_key",
            "api_key": "ik_x",
        }
    )
    assert _mode(data / "orders.db") == 0o600


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_an_existing_world_readable_database_is_tightened(tmp_path, umask):
    from auth_server import create_app

    data = tmp_path / "old"
    data.mkdir()
    old = os.umask(umask)
    try:
        (data / "auth.db").touch(mode=0o644)
        os.chmod(data / "auth.db", 0o644)
    finally:
        os.umask(old)
    create_app({"issuer": "http://as.test", "data_dir": str(data)})
    assert _mode(data / "auth.db") == 0o600


def test_the_mcp_server_started_first_creates_a_private_inventory_database(tmp_path):
    """The MCP process may open the shared data dir before Inventory ever ran."""
    from starlette.testclient import TestClient

    from inventory_service.mcp.app import create_app

    data = tmp_path / "inventory"
    old = os.umask(0o022)
    try:
        app = create_app(
            {"mcp_resource": "http://mcp.test/mcp", "issuer": "http://as.test",
             "data_dir": str(data)}
        )  # fmt: skip
        with TestClient(app, base_url="http://127.0.0.1:9003") as http:
            assert http.get("/healthz").status_code == 200
    finally:
        os.umask(old)
    assert _mode(data) == 0o700
    for name in ("inventory.db", "inventory.db-wal", "inventory.db-shm"):
        assert _mode(data / name) == 0o600, name
