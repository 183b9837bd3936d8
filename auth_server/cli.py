"""Admin commands: ``flask --app auth_server clients ...`` and ``... keys ...``.

Secrets are printed once, as JSON on stdout, so scripts can capture them; they are never
stored in clear and never logged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .clients import AUTH_METHODS, AuthMethod, Registry, RegistryError, public_view
from .config import ConfigError, Settings
from .storage.interfaces import ClientStore, SigningKeys

clients = AppGroup("clients", help="Manage OAuth clients.")
keys = AppGroup("keys", help="Manage token signing keys.")


STACK_HINT = (
    "For the `make up` stack, run the same command through"
    " `.venv/bin/python -m scripts.as_admin ...`: it carries the stack's settings."
)


def load_settings(config: Mapping[str, Any] | None) -> Settings:
    """The AS's settings; under ``flask --app auth_server`` a missing one ends the command
    in one sentence, before anything is created. An admin command on the wrong data dir
    would otherwise create a second, empty AS there and answer from it."""
    if click.get_current_context(silent=True) is None:
        return Settings.load(config)
    try:
        settings = Settings.load(config)
    except ConfigError as exc:
        raise SystemExit(f"auth_server admin: {exc}. Nothing was changed. {STACK_HINT}") from None
    if not os.environ.get("AUTH_DATA_DIR") and not (config or {}).get("data_dir"):
        raise SystemExit(
            "auth_server admin: AUTH_DATA_DIR is not set, so this command would work on a new,"
            f" empty AS under {settings.data_dir}/ rather than the running one. Set it to the"
            f" AS's data dir. Nothing was created. {STACK_HINT}"
        )
    return settings


def _registry() -> Registry:
    settings: Settings = current_app.extensions["auth_settings"]
    return Registry(current_app.extensions["auth_store"], settings.scopes)


def _keys() -> SigningKeys:
    return current_app.extensions["key_store"]


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc))


@clients.command("create")
@click.argument("client_id")
@click.option("--scope", required=True, help='Space-separated scopes, e.g. "inventory:read".')
@click.option(
    "--resource",
    "resources",
    multiple=True,
    required=True,
    help="Allowed audience; first is the default.",
)
@click.option("--org", "org_id", default=None, help="Organisation id, copied into tokens.")
@click.option(
    "--auth-method", type=click.Choice(AUTH_METHODS), default=AuthMethod.CLIENT_SECRET_BASIC.value
)
@click.option("--jwks-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON (with the one-time secret) to this new file, mode 0600; never"
    " overwrites one.",
)
def create_client(client_id, scope, resources, org_id, auth_method, jwks_file, output):
    """Register a client and print its secret once."""
    if output is not None and output.exists():
        raise click.ClickException(
            f"{output} exists and may hold the only copy of a secret: nothing was created."
            f" Read it, or move it away first; `clients rotate-secret {client_id}` issues a"
            " new secret if it is lost."
        )
    try:
        jwks = json.loads(jwks_file.read_text()) if jwks_file else None
    except ValueError:
        raise click.ClickException(f"{jwks_file} is not JSON") from None
    try:
        record, secret = _registry().create(
            client_id, scope.split(), list(resources), org_id, auth_method, jwks
        )
    except RegistryError as exc:
        _fail(exc)
    out = public_view(record)
    if secret:
        out["client_secret"] = secret
    if output is None:
        click.echo(json.dumps(out, indent=2))
        return
    with os.fdopen(os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(json.dumps(out, indent=2) + "\n")
    click.echo(f"{client_id} registered; its JSON, with the one-time secret, is in {output}")


@clients.command("list")
def list_clients():
    """List clients (never their secrets)."""
    store: ClientStore = current_app.extensions["auth_store"]
    records = store.list_clients()
    click.echo(json.dumps([public_view(r) for r in records], indent=2))


@clients.command("rotate-secret")
@click.argument("client_id")
def rotate_secret(client_id):
    """Issue a new secret; the old one stops working at once."""
    try:
        secret = _registry().rotate_secret(client_id)
    except RegistryError as exc:
        _fail(exc)
    click.echo(json.dumps({"client_id": client_id, "client_secret": secret}, indent=2))


@clients.command("disable")
@click.argument("client_id")
def disable(client_id):
    """Refuse the client from now on; its tokens become inactive in introspection."""
    try:
        _registry().disable(client_id)
    except RegistryError as exc:
        _fail(exc)
    click.echo(json.dumps({"client_id": client_id, "disabled": True}))


@clients.command("revoke-tokens")
@click.argument("client_id")
def revoke_tokens(client_id):
    """Make every token issued to the client so far inactive (it may fetch new ones)."""
    try:
        _registry().revoke_tokens(client_id)
    except RegistryError as exc:
        _fail(exc)
    click.echo(json.dumps({"client_id": client_id, "tokens_revoked": True}))


@keys.command("rotate")
def rotate_keys():
    """Make a new signing key; every running worker signs with it at once."""
    info = _keys().rotate()
    click.echo(json.dumps(info.__dict__))


# A kid is a base64url thumbprint (RFC 7638): one in 64 starts with "-", which click would
# take for an option. Unknown options are therefore read as the KID itself.
@keys.command("revoke", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
def revoke_key(kid):
    """Withdraw a stolen key at once: out of the JWKS, deleted, its tokens inactive."""
    try:
        new = _keys().revoke(kid)
    except KeyError:
        raise click.ClickException(f"no published key {kid!r}; see `keys list`") from None
    click.echo(json.dumps({"revoked": kid, "signing_kid": new.kid if new else None}))


@keys.command("list")
def list_keys():
    """Keys still published in the JWKS, oldest first."""
    click.echo(json.dumps([i.__dict__ for i in _keys().published()], indent=2))


def register(app: Flask) -> None:
    app.cli.add_command(clients)
    app.cli.add_command(keys)
