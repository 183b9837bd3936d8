"""``python -m inventory_service``: validate settings, prepare metrics, exec gunicorn.

Exec rather than embed, so ``PROMETHEUS_MULTIPROC_DIR`` is set before any worker imports
prometheus_client; this module doubles as the gunicorn config for ``child_exit``.
"""

from __future__ import annotations

import os
import shutil
import sys


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def main() -> None:
    from .config import ConfigError, Settings

    try:
        settings = Settings.load()
    except ConfigError as exc:
        sys.exit(f"inventory_service: {exc}")
    metrics_dir = settings.data_dir / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    args = [
        sys.executable, "-m", "gunicorn",
        "--config", "python:inventory_service.serve",
        "--bind", f"{settings.host}:{settings.port}",
        "--workers", str(settings.workers),
        "--worker-class", "gthread",
        "--threads", str(settings.threads),
        # gthread workers accept connections until worker_connections; at gunicorn's default
        # (1000) one worker can take every keep-alive client while the other idles. Two per
        # thread keeps load even across workers (measured in docs/performance.md).
        "--worker-connections", str(settings.threads * 2),
        "--graceful-timeout", "5",
        "--no-control-socket",
        "inventory_service:create_app()",
    ]  # fmt: skip
    os.execve(sys.executable, args, env)  # noqa: S606 - argv list, no shell
