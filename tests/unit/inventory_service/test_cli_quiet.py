"""An admin command on a normal path prints its answer and nothing else: no warning about
a setting only the server needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FLASK = Path(sys.executable).with_name("flask")


def test_the_audit_without_the_introspection_client_prints_no_warning(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    result = subprocess.run(
        [FLASK, "--app", "inventory_service", "api-keys", "audit"],
        env={
            **clean,
            "PYTHONPATH": str(ROOT),
            "INVENTORY_ISSUER": "http://127.0.0.1:9000",
            "INVENTORY_RESOURCE": "http://127.0.0.1:9001",
            "INVENTORY_DATA_DIR": str(tmp_path),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "No API keys stored.\n"
    assert "WARNING" not in result.stderr and "CLIENT_ID" not in result.stderr
