"""On SQLite no service loads psycopg: every worker, MCP server and admin CLI would pay for it.

Each check runs in a fresh interpreter, since this test process has psycopg loaded already.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

BUILD_APP = {
    "auth_server": "import auth_server; auth_server.create_app()",
    "inventory_service": "import inventory_service; inventory_service.create_app()",
    "order_service": "import order_service; order_service.create_app()",
    "inventory_service.mcp": "from inventory_service.mcp.app import create_app; create_app()",
}


def _env(package: str, data_dir: Path) -> dict[str, str]:
    common = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    if package == "auth_server":
        return {**common, "AUTH_ISSUER": "http://127.0.0.1:9000", "AUTH_DATA_DIR": str(data_dir),
                "AUTH_ADMIN_TOKEN": "a" * 48}  # fmt: skip
    if package == "order_service":
        return {**common, "ORDER_INVENTORY_URL": "http://127.0.0.1:9001",
                "ORDER_DATA_DIR": str(data_dir), "ORDER_AUTH": "api_key", "ORDER_API_KEY": "k"}  # fmt: skip
    return {**common, "INVENTORY_ISSUER": "http://127.0.0.1:9000",
            "INVENTORY_RESOURCE": "http://127.0.0.1:9001", "INVENTORY_DATA_DIR": str(data_dir),
            "INVENTORY_MCP_RESOURCE": "http://127.0.0.1:9003/mcp"}  # fmt: skip


@pytest.mark.parametrize("package", sorted(BUILD_APP))
def test_an_app_on_sqlite_never_imports_psycopg(package, tmp_path):
    check = f"{BUILD_APP[package]}; import sys; print(sorted(m for m in sys.modules if m.startswith('psycopg')))"
    out = subprocess.run(
        [sys.executable, "-c", check],
        env=_env(package, tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_without_postgresql_loaded_no_error_counts_as_database_unavailable():
    code = (
        "from service_kit import database_errors; import sys;"
        " assert 'service_kit.postgres' not in sys.modules;"
        " assert database_errors.unavailable_errors() == ();"
        " import service_kit.postgres as pg;"
        " assert database_errors.unavailable_errors() == pg.Unavailable"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
