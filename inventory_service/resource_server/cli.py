"""The resource server's commands: ``flask --app inventory_service api-keys|auth-mode ...``.

The ``api-keys`` group also carries the migration tooling's commands (``migration.cli``),
added by the app factory.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from .modes import AUTH_MODES

api_keys = AppGroup("api-keys", help="Legacy API keys.")
auth_mode = AppGroup("auth-mode", help="Auth-mode flags (same effect as the admin API).")


@api_keys.command("create")
@click.argument("client_id")
@click.option("--scope", required=True, help='Space-separated scopes, e.g. "inventory:read".')
def create_key(client_id, scope):
    """Create a key for CLIENT_ID and print it once."""
    try:
        key, secret = current_app.extensions["api_keys"].create(client_id, scope.split())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    out = {"key_id": key.key_id, "client_id": client_id, "scope": scope, "api_key": secret}
    click.echo(json.dumps(out, indent=2))


@api_keys.command("list")
def list_keys():
    """List keys (never the keys themselves)."""
    click.echo(json.dumps(current_app.extensions["api_keys"].list(), indent=2))


@api_keys.command("revoke")
@click.argument("key_id")
def revoke_key(key_id):
    """Revoke one key by its id."""
    if not current_app.extensions["api_keys"].revoke(key_id):
        raise click.ClickException(f"no key {key_id!r}")
    click.echo(json.dumps({"key_id": key_id, "revoked": True}))


@auth_mode.command("set")
@click.argument("mode", type=click.Choice([*AUTH_MODES, "inherit"]))
@click.option("--client", "client_id", help="Pin one client instead of the global mode.")
def set_mode(mode, client_id):
    """Set the global mode, or with --client pin one client ('inherit' removes the pin)."""
    modes = current_app.extensions["auth_modes"]
    if client_id:
        try:
            modes.set_client(client_id, None if mode == "inherit" else mode)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    elif mode == "inherit":
        raise click.ClickException("'inherit' needs --client")
    else:
        modes.set_global(mode)
    click.echo(json.dumps({"mode": modes.global_mode(), "clients": modes.overrides()}))


@auth_mode.command("show")
def show_mode():
    modes = current_app.extensions["auth_modes"]
    click.echo(json.dumps({"mode": modes.global_mode(), "clients": modes.overrides()}))
