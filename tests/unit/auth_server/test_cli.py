"""The admin commands: ``flask --app auth_server clients ...`` and ``... keys ...``."""

from __future__ import annotations

import json

from flask.testing import FlaskCliRunner

from .conftest import Clients, cli, published_kids

CREATE = ["clients", "create", "cli-client", "--scope", "inventory:read"]
RESOURCE_ARGS = ["--resource", "http://inventory.test"]


def test_cli_creates_lists_and_disables_clients(app):
    runner = FlaskCliRunner(app)
    created = runner.invoke(args=[*CREATE, *RESOURCE_ARGS, "--org", "acme"])
    assert created.exit_code == 0, created.output
    secret = json.loads(created.output)["client_secret"]
    listed = runner.invoke(args=["clients", "list"])
    assert "cli-client" in listed.output and secret not in listed.output
    assert runner.invoke(args=["clients", "disable", "cli-client"]).exit_code == 0
    assert Clients(app).registry.find("cli-client") is None
    duplicate = runner.invoke(args=[*CREATE, *RESOURCE_ARGS])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output


def test_revoke_tokens_of_an_unknown_client_fails(app):
    result = cli(app, "clients", "revoke-tokens", "nobody")
    assert result.exit_code == 1
    assert "no client 'nobody'" in result.output


def test_revoking_an_unknown_kid_fails_and_changes_nothing(app, http):
    before = published_kids(http)
    result = FlaskCliRunner(app).invoke(args=["keys", "revoke", "no-such-kid"])
    assert result.exit_code == 1
    assert "no published key 'no-such-kid'" in result.output
    assert published_kids(http) == before


def test_a_kid_that_starts_with_a_dash_is_read_as_the_kid_not_as_an_option(app):
    result = FlaskCliRunner(app).invoke(args=["keys", "revoke", "-QdoesNotExist"])
    assert result.exit_code == 1
    assert "no published key '-QdoesNotExist'" in result.output
