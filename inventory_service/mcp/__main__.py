"""``python -m inventory_service.mcp``: validate settings, then serve with uvicorn."""

from __future__ import annotations

import sys

import uvicorn

from service_kit.settings import ConfigError

from .settings import McpSettings


def main() -> None:
    try:
        settings = McpSettings.load()
    except ConfigError as exc:
        sys.exit(f"inventory_service.mcp: {exc}")
    uvicorn.run(
        "inventory_service.mcp.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        # No uvicorn access log: the gate counts every decision, and the log would add
        # a line per tools/call to the hot path.
        access_log=False,
        proxy_headers=False,
    )


main()
