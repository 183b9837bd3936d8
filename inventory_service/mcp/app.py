"""Assembly: the SDK's Streamable HTTP app, our gate in front, our metadata beside it.

Stateless JSON mode (one JSON response per POST, no session, no ``subscriptions/listen``
stream): any number of uvicorn processes can serve it, and nothing is kept between calls
but the token cache. What the server advertises and how it answers errors: ``protocol``.
The SDK's own auth is not configured — the gate does it — so RFC 9728 metadata is served here.
Its DNS-rebinding protection checks ``Host`` against the real names (``allowed_hosts``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from service_kit import database_errors
from service_kit.postgres import Unavailable
from service_kit.prometheus import exposition

from ..api.readiness import database_write_error, not_ready_detail
from ..api.stock import StockStore
from ..db import DB_FILE, Database
from ..migration.flusher import FLUSH_INTERVAL
from ..migration.stores import tool_ledger, usage_flusher
from ..resource_server.trust_file import Trusted, trusted_issuers
from ..stores import open_stores
from . import tools
from .gate import Gate
from .protocol import InventoryMcpServer
from .settings import McpSettings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
INSTRUCTIONS = (
    "Inventory of the apikey-to-oauth demo: list stock, read one SKU, reserve stock for an "
    "order (idempotent per order id)."
)


def create_app(config: Mapping[str, Any] | None = None) -> ASGIApp:
    """Build the ASGI app: defaults, then ``INVENTORY_MCP_*`` environment, then ``config``."""
    settings = McpSettings.load(config)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    # The SDK logs "Terminating session: None" at INFO for every stateless request.
    logging.getLogger("mcp.server.streamable_http").setLevel(logging.WARNING)
    db = Database(settings.data_dir / DB_FILE)
    server = InventoryMcpServer("inventory", instructions=INSTRUCTIONS)
    shared = open_stores(settings.database, db)
    stock = shared.stock
    tools.register(server, stock)
    # The REST API's policy; its audience is this MCP URL, never the REST API's.
    validator = trusted_issuers(
        settings.token_policies,
        settings.issuers_file,
        lambda: McpSettings.load(config).token_policies,
        data_dir=settings.data_dir,
    )
    _add_routes(server, settings, stock, db.path, validator)
    sdk_app = server.streamable_http_app(
        streamable_http_path=settings.path,
        json_response=True,
        stateless_http=True,
        transport_security=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=list(settings.allowed_hosts),
            allowed_origins=[f"http://{h}" for h in settings.allowed_hosts]
            + [f"https://{h}" for h in settings.allowed_hosts],
        ),
    )
    ledger = tool_ledger(shared.db, usage_flusher(shared.db, FLUSH_INTERVAL))
    return Gate(sdk_app, settings, validator, shared.api_keys, ledger, tools.TOOL_SCOPES)


def _add_routes(
    server: InventoryMcpServer,
    settings: McpSettings,
    stock: StockStore,
    database: Path,
    tokens: Trusted,
) -> None:
    @server.custom_route(settings.resource_metadata_path, methods=["GET"])
    async def resource_metadata(request: Request) -> Response:
        """RFC 9728 §3: where the MCP clients learn which AS to ask, for what."""
        body = {
            "resource": settings.resource,
            "authorization_servers": tokens.issuers,  # the trust file as it is now
            "scopes_supported": sorted(set(tools.TOOL_SCOPES.values())),
            "bearer_methods_supported": ["header"],
        }
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(request: Request) -> Response:
        """Readiness, as the REST API's: 503 problem+json while the database takes no writes."""
        try:
            stock.ping()
        except Unavailable:
            body = {"status": "unavailable", "detail": database_errors.DETAIL}
            return JSONResponse(body, 503)
        error = await anyio.to_thread.run_sync(database_write_error, database)
        if error:
            body = {
                "type": "about:blank",
                "title": "Not ready",
                "status": 503,
                "detail": not_ready_detail(error),
                "checks": {"database": error},
            }
            return JSONResponse(body, 503, media_type="application/problem+json")
        return JSONResponse({"status": "ok", "checks": {"database": "writable"}})

    @server.custom_route("/metrics", methods=["GET"])
    async def prometheus(request: Request) -> Response:
        body, content_type = exposition()
        return Response(body, media_type=content_type)
