"""Mini OAuth 2.1 authorization server: client credentials, RFC 9068 JWTs, JWKS, RFC 8414.

A demo-sized AS: SQLite for the registry, PEM files for keys, no user login, no consent
screens. Everything else follows the RFCs, and ``oauth2.py`` says where Authlib's defaults
were overridden and why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``AUTH_*`` environment, then ``config`` overrides."""
    from . import authorize, cli, client_auth_abuse, errors, routes
    from .config import Settings
    from .keys import KeyStore
    from .oauth2 import build_server
    from .store import DB_FILE, Store

    settings = Settings.load(config)
    _configure_logging(settings.log_level)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    store = Store(settings.data_dir / DB_FILE)
    keys = KeyStore(settings.data_dir / "keys", settings.signing_alg, settings.token_ttl)
    keys.ensure_signing_key()
    app.extensions["auth_settings"] = settings
    app.extensions["auth_store"] = store
    app.extensions["key_store"] = keys
    app.extensions["authorization_server"] = build_server(app, settings, store, keys)
    app.register_blueprint(routes.bp)
    client_auth_abuse.install(app, settings)
    app.register_blueprint(authorize.bp)
    errors.register(app)
    cli.register(app)
    return app


def _configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Authlib logs whole tokens at DEBUG ("Issue token ..."); never let that reach a log.
    logging.getLogger("authlib").setLevel(logging.INFO)
