"""``python -m inventory_service.mcp``: validate settings, then serve with uvicorn.

``INVENTORY_MCP_WORKERS`` > 1 runs that many uvicorn processes on one listening socket, as
gunicorn does for the REST API: one event loop uses at most one core, so a second process is
what lets the MCP server use the second core (docs/performance.md, "MCP"). The server keeps
nothing between calls but its token cache, so any process may answer any POST; their
Prometheus counters are summed through a multiprocess directory, as gunicorn's workers' are.
"""

from __future__ import annotations

import os
import sys

import uvicorn

from service_kit import run_dirs
from service_kit.settings import ConfigError

from .settings import McpSettings


def main() -> None:
    try:
        settings = McpSettings.load()
    except ConfigError as exc:
        sys.exit(f"inventory_service.mcp: {exc}")
    if settings.workers > 1:
        # Before the workers start (and import prometheus_client): this process, their
        # supervisor, names the directory, and gone supervisors' directories are removed.
        metrics = run_dirs.metrics_dir(settings.data_dir, os.getpid())
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    uvicorn.run(
        "inventory_service.mcp.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level.lower(),
        # No uvicorn access log: the gate counts every decision, and the log would add
        # a line per tools/call to the hot path.
        access_log=False,
        proxy_headers=False,
    )


main()
