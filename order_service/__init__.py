"""Order service: the caller that moves from a static API key to cached OAuth tokens.

Demo shortcuts: orders are a single SQLite table and carry no customer. The token handling
is the point of the service and is not a shortcut: see ``token_cache.py``; nor is an order
being all-or-nothing across Order and Inventory: see ``placement.py`` and ``reconciler.py``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from service_kit import database_errors
from service_kit.flask_app import new_app

from . import metrics, routes
from .config import Settings
from .inventory_client import InventoryClient
from .oauth_client import ClientCredentials
from .placement import Placement
from .reconciler import Reconciler
from .stores import open_stores
from .token_cache import TokenCache


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``ORDER_*`` environment, then ``config`` overrides."""
    settings = Settings.load(config)
    app = new_app(
        __name__, log_level=settings.log_level, max_body=64 * 1024, edge_settings=settings.edge
    )
    tokens = None
    if settings.oauth:
        tokens = TokenCache(
            ClientCredentials(settings.oauth).fetch,
            margin=settings.oauth.refresh_margin,
            on_fetch=metrics.TOKEN_FETCHES.inc,
        )
    orders, intents = open_stores(settings)  # SQLite, or ORDER_DATABASE_URL
    inventory = InventoryClient(
        settings.inventory_url, settings.auth, settings.api_key, tokens, settings.http_timeout
    )
    app.extensions.update(
        orders=orders,
        inventory=inventory,
        placement=Placement(orders, intents, inventory),
        reconciler=Reconciler(
            intents, inventory, settings.reconcile_grace, settings.reconcile_interval
        ),
    )
    if settings.reconcile_interval:
        app.extensions["reconciler"].start()  # a first pass now, then on the timer
    app.register_blueprint(routes.bp)
    app.before_request(lambda: setattr(g, "started", time.perf_counter()))
    app.after_request(_log_request)

    # 503 problem+json while PostgreSQL is out of reach
    database_errors.register(app, settings.database)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return routes.problem(exc.code or 500, exc.name, exc.description)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        logging.getLogger(__name__).exception("unhandled error")
        return routes.problem(500, "Internal Server Error", "Unexpected error; see the server log.")

    return app


def _log_request(response):
    if request.path not in ("/healthz", "/metrics"):
        started = g.get("started", time.perf_counter())
        logging.getLogger("order_service.access").info(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                }
            )
        )
    return response
