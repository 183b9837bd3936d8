"""gunicorn's config module for every service (``--config python:service_kit.gunicorn_hooks``).

Besides the hooks, this is where the process's logging is tuned, because it is the
process's configuration, not the app's: records skip what no format here prints. The Logging
HOWTO ("Optimization") documents these switches. ``logProcesses`` stays on, since gunicorn's
own format prints ``%(process)d``.
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

logging._srcfile = None  # no caller lookup (a stack walk per record); no format prints it
logging.logThreads = False
logging.logMultiprocessing = False


def on_starting(server) -> None:
    """Import the service's package in the master, before the first fork: every worker then
    starts with Flask, Authlib and the app's modules already loaded (fork shares them) and
    only runs ``create_app()``. The package's import builds nothing (each service builds
    its app in ``create_app``), so no thread, connection or file crosses the fork; gunicorn's
    ``--preload`` would build the app here, and those with it. Each worker importing the
    package itself cost ~0.7 s of CPU per worker at every start and restart."""
    importlib.import_module(server.app.app_uri.split(":", 1)[0])


def child_exit(server, worker) -> None:
    """A worker's counters stay in the sum; its live gauges leave with it."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """Leave ``<ready dir>/<pid>``: this worker has loaded the app and cannot fail to boot
    any more. ``make up`` waits for one marker per worker instead of guessing a moment."""
    ready = os.environ.get("SERVICE_READY_DIR")
    if ready:
        (Path(ready) / str(worker.pid)).touch()
