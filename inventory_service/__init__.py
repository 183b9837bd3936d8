"""Inventory API: the service being migrated from API keys to OAuth 2.1 access tokens.

Demo shortcuts: SQLite in a data dir, a handful of demo SKUs, a dashboard without a login
when ``INVENTORY_DASHBOARD_PUBLIC`` is set. Authentication is not a shortcut: see ``auth.py``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``INVENTORY_*`` environment, then ``config`` overrides."""
    from . import admin, cli, cockpit_routes, errors, releases, routes
    from .api_keys import ApiKeys
    from .auth import Authenticator, deprecation_headers
    from .config import Settings
    from .cutoff import Cutoff, parse_brownouts
    from .db import DB_FILE, Database
    from .flags import AuthModes
    from .introspection import Introspector
    from .ledger import Ledger, ToolLedger
    from .purge import Purge
    from .security_headers import secure_html
    from .stock import Stock
    from .tokens import TokenValidator
    from .usage_detail import UsageDetail

    settings = Settings.load(config)
    _configure_logging(settings.log_level)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    db = Database(settings.data_dir / DB_FILE)
    modes = AuthModes(db, settings.auth_mode)
    ledger = Ledger(db)
    tokens = TokenValidator(
        settings.issuer,
        settings.resource,
        settings.jwt_leeway,
        settings.jwks_cooldown,
        settings.token_cache_size,
        settings.jwks_max_age,
        settings.max_token_lifetime,
    )
    api_keys = ApiKeys(db)
    usage_detail = UsageDetail(db)
    cutoff = Cutoff(
        db,
        settings.api_key_sunset,
        parse_brownouts(settings.api_key_brownouts),
        settings.migration_docs_url,
    )
    app.extensions.update(
        stock=Stock(db),
        api_keys=api_keys,
        auth_modes=modes,
        ledger=ledger,
        tool_ledger=ToolLedger(db),  # written by the MCP server process, read here
        usage_detail=usage_detail,
        cutoff=cutoff,
        purge=Purge(db, ledger),
        authenticator=Authenticator(
            settings, tokens, api_keys, modes, ledger, Introspector(settings), usage_detail, cutoff
        ),
    )
    app.register_blueprint(routes.bp)
    app.register_blueprint(releases.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(cockpit_routes.bp)
    app.after_request(deprecation_headers)
    app.after_request(secure_html)
    app.before_request(_start_timer)
    app.after_request(_log_request)
    errors.register(app)
    cli.register(app)
    return app


access_log = logging.getLogger("inventory_service.access")


def _start_timer() -> None:
    g.started = time.perf_counter()


def _log_request(response):
    """One structured line per request: who, how, what; never a key or a token."""
    if request.path not in ("/healthz", "/metrics"):
        access_log.info(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "client_id": g.get("client_id"),
                    "auth": g.get("auth_method"),
                    "worker": os.getpid(),
                    "ms": round(
                        (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2
                    ),
                }
            )
        )
    return response


def _configure_logging(level: str) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
