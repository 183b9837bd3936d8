"""Mini OAuth 2.1 authorization server: client credentials, RFC 9068 JWTs, JWKS, RFC 8414.

A demo-sized AS: SQLite for the registry, PEM files for keys, no user login, no consent
screens. Everything else follows the RFCs; the ``oauth2`` package says where Authlib's
defaults are overridden and why, and ``storage`` holds the seams a second backend plugs into.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from service_kit.flask_app import new_app

from . import authorize, cli, errors, routes
from .client_auth_abuse import EXTENSION as BUDGET_EXTENSION
from .oauth2.server import build_server
from .storage.backends import open_storage


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``AUTH_*`` environment, then ``config`` overrides."""
    settings = cli.load_settings(config)
    app = new_app(
        __name__, log_level=settings.log_level, max_body=1024 * 1024, edge_settings=settings.edge
    )
    storage = open_storage(settings)  # SQLite and PEM files, or AUTH_DATABASE_URL
    store, keys = storage.store, storage.keys
    keys.ensure_signing_key()
    app.extensions["auth_settings"] = settings
    app.extensions["auth_store"] = store
    app.extensions["key_store"] = keys
    app.extensions[BUDGET_EXTENSION] = storage.budget
    app.extensions["authorization_server"] = build_server(
        app, settings, clients=store, revocations=store, spent_assertions=store, keys=keys
    )
    app.register_blueprint(routes.bp)
    app.register_blueprint(authorize.bp)
    errors.register(app, settings.database)
    cli.register(app)
    return app
