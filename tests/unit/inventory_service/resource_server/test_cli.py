"""``flask --app inventory_service auth-mode set|show``: the flags, offline."""

from __future__ import annotations

from flask.testing import FlaskCliRunner


def test_cli_sets_modes_offline(app):
    runner = FlaskCliRunner(app)
    assert runner.invoke(args=["auth-mode", "set", "token_only"]).exit_code == 0
    assert runner.invoke(args=["auth-mode", "set", "api_key", "--client", "legacy"]).exit_code == 0
    shown = runner.invoke(args=["auth-mode", "show"]).output
    assert '"mode": "token_only"' in shown and '"legacy": "api_key"' in shown
