"""The admin CLI cannot mislead: without its settings it refuses and creates nothing, and a
one-time secret is never lost to a redirect or an overwrite."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from flask.testing import FlaskCliRunner

ROOT = Path(__file__).resolve().parents[3]
FLASK = Path(sys.executable).with_name("flask")
CREATE = ["clients", "create", "out-client", "--scope", "inventory:read"]
RESOURCE_ARGS = ["--resource", "http://inventory.test"]


def flask_cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``flask --app auth_server clients list`` as typed in a shell, in an empty directory."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    return subprocess.run(
        [FLASK, "--app", "auth_server", "clients", "list"],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_cli_without_its_settings_refuses_in_one_sentence(tmp_path):
    result = flask_cli(tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "AUTH_ISSUER is required" in result.stderr and "scripts.as_admin" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_cli_without_a_data_dir_creates_no_second_as(tmp_path):
    result = flask_cli(tmp_path, AUTH_ISSUER="http://127.0.0.1:9000")
    assert result.returncode == 1 and result.stdout == ""
    assert "AUTH_DATA_DIR is not set" in result.stderr and "Nothing was created" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_create_writes_the_secret_to_a_new_private_file(app, tmp_path):
    out = tmp_path / "client.json"
    created = FlaskCliRunner(app).invoke(args=[*CREATE, *RESOURCE_ARGS, "--output", str(out)])
    assert created.exit_code == 0, created.output
    assert "client_secret" not in created.output
    assert json.loads(out.read_text())["client_secret"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_create_never_overwrites_a_file_and_then_creates_nothing(app, tmp_path):
    out = tmp_path / "client.json"
    out.write_text('{"client_secret": "the only copy"}')
    again = FlaskCliRunner(app).invoke(args=[*CREATE, *RESOURCE_ARGS, "--output", str(out)])
    assert again.exit_code == 1
    assert "may hold the only copy of a secret: nothing was created" in again.output
    assert out.read_text() == '{"client_secret": "the only copy"}'
    listed = FlaskCliRunner(app).invoke(args=["clients", "list"])
    assert "out-client" not in listed.output
