"""Inventory API: the service being migrated from API keys to OAuth 2.1 access tokens.

Packages by concern: ``api`` (stock and reservations), ``resource_server`` (who is calling
and may they: tokens, API keys, auth modes), ``migration`` (usage records, the cutoff, the
purge, the cockpit) and ``mcp`` (the same operations as MCP tools, in their own process).
This module assembles the REST app from them.

Demo shortcuts: SQLite in a data dir, a handful of demo SKUs, a dashboard without a login
when ``INVENTORY_DASHBOARD_PUBLIC`` is set. Authentication is not a shortcut: see
``resource_server/authenticator.py``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from functools import partial
from typing import Any

from flask import Flask, g, request

from service_kit.flask_app import new_app

from . import errors
from .api import cli as api_cli
from .api import releases as api_releases
from .api import routes as api_routes
from .api.readiness import database_write_error
from .api.security_headers import secure_html
from .config import Settings
from .db import DB_FILE, Database
from .migration import cli as migration_cli
from .migration import routes as migration_routes
from .migration.cutoff import parse_brownouts
from .migration.stores import open_migration_stores
from .migration.usage import UsageRecorder
from .resource_server import admin as resource_server_admin
from .resource_server import cli as resource_server_cli
from .resource_server.authenticator import Authenticator
from .resource_server.introspection import Introspector
from .resource_server.require import deprecation_headers
from .resource_server.trust_file import trusted_issuers
from .stores import open_stores


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``INVENTORY_*`` environment, then ``config`` overrides."""
    settings = Settings.load(config)
    app = new_app(
        __name__, log_level=settings.log_level, max_body=64 * 1024, edge_settings=settings.edge
    )
    db = Database(settings.data_dir / DB_FILE)
    shared = open_stores(settings.database, db, settings.auth_mode)
    modes = shared.modes
    migration = open_migration_stores(
        shared.db,
        sunset=settings.api_key_sunset,
        brownouts=parse_brownouts(settings.api_key_brownouts),
        migration_docs_url=settings.migration_docs_url,
        flush_interval=settings.usage_flush_interval,
        retention=settings.usage_retention,
    )
    api_keys = shared.api_keys
    app.extensions.update(
        stock=shared.stock,
        write_check=partial(database_write_error, db.path),  # /healthz readiness
        api_keys=api_keys,
        auth_modes=modes,
        ledger=migration.ledger,
        tool_ledger=migration.tool_ledger,  # written by the MCP server process, read here
        usage_detail=migration.usage_detail,
        evidence=migration.evidence,  # since when the cockpit has watched the keys
        issuer_usage=migration.issuer_usage,
        cutoff=migration.cutoff,
        purge=migration.purge,
        key_scanner=migration.key_scanner,
        authenticator=Authenticator(
            settings=settings,
            tokens=trusted_issuers(
                settings.token_policies,
                settings.issuers_file,
                lambda: Settings.load(config).token_policies,
                data_dir=settings.data_dir,
            ),
            api_keys=api_keys,
            modes=modes,
            introspector=Introspector(settings),
            recorder=UsageRecorder(
                migration.ledger, migration.usage_detail, migration.issuer_usage
            ),
            cutoff=migration.cutoff,
        ),
    )
    for blueprint in (
        api_routes.bp,
        api_releases.bp,
        resource_server_admin.bp,
        resource_server_admin.metadata,
        migration_routes.bp,
    ):
        app.register_blueprint(blueprint)
    app.after_request(deprecation_headers)
    app.after_request(secure_html)
    app.before_request(_start_timer)
    app.after_request(_log_request)
    errors.register(app, settings.database)
    migration_cli.add_to(resource_server_cli.api_keys)  # scan, audit, purge, extend-sunset
    for group in (api_cli.stock, resource_server_cli.api_keys, resource_server_cli.auth_mode):
        app.cli.add_command(group)
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
