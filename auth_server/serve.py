"""``python -m auth_server``: validate settings, prepare keys and metrics, exec gunicorn.

The process execs gunicorn rather than embedding it so that ``PROMETHEUS_MULTIPROC_DIR`` is
in the environment before any worker imports prometheus_client. This module doubles as the
gunicorn config file (``-c python:auth_server.serve``) for its ``child_exit`` and
``post_worker_init`` hooks.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """Leave ``<data dir>/workers/<pid>``: this worker has loaded the app and cannot fail to
    boot any more. ``make up`` waits for one marker per worker instead of guessing a moment."""
    ready = os.environ.get("SERVICE_READY_DIR")
    if ready:
        (Path(ready) / str(worker.pid)).touch()


def main() -> None:
    from .config import ConfigError, Settings
    from .keys import KeyStore
    from .private_files import private_database
    from .store import DB_FILE, Store

    try:
        settings = Settings.load()
    except ConfigError as exc:
        sys.exit(f"auth_server: {exc}")
    # Schema and WAL once, in the master, before gunicorn forks (see the connection code).
    Store(private_database(settings.data_dir / DB_FILE))
    # Make the key before forking, so workers never race to create the first one.
    KeyStore(
        settings.data_dir / "keys", settings.signing_alg, settings.token_ttl
    ).ensure_signing_key()
    metrics_dir = settings.data_dir / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    ready_dir = settings.data_dir / "workers"
    shutil.rmtree(ready_dir, ignore_errors=True)
    ready_dir.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "SERVICE_READY_DIR": str(ready_dir),
    }
    args = [
        sys.executable, "-m", "gunicorn",
        "--config", "python:auth_server.serve",
        "--bind", f"{settings.host}:{settings.port}",
        "--workers", str(settings.workers),
        "--worker-class", "gthread",
        "--threads", str(settings.threads),
        # Keep-alive stays alive (docs/performance.md): gthread answers "Connection: close"
        # once worker_connections - threads connections sit idle in keep-alive, so the
        # former cap of two per thread closed 1-15 % of connections under steady load. Each
        # worker now gets its own SO_REUSEPORT listener, so the kernel spreads connections
        # across workers and worker_connections keeps gunicorn's default (1000).
        "--reuse-port",
        # An idle keep-alive connection is closed after 1 s (gunicorn's default is 2 s): a
        # stopping worker lingers that long for requests on its kept-alive connections, so a
        # redeploy behind an idle pooled client (Order's, in the demo) took 2 s longer.
        "--keep-alive", "1",
        "--graceful-timeout", "5",
        "--no-control-socket",
        "auth_server:create_app()",
    ]  # fmt: skip
    os.execve(sys.executable, args, env)  # noqa: S606 - argv list, no shell
