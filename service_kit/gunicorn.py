"""``python -m <service>``: the service's own checks, then exec gunicorn with shared settings.

Exec rather than embed, so ``PROMETHEUS_MULTIPROC_DIR`` is in the environment before any
worker imports prometheus_client. The hooks gunicorn calls live in ``gunicorn_hooks.py``,
passed as its config module.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, Protocol, TypeVar

from . import run_dirs
from .settings import ConfigError


class ServeSettings(Protocol):
    host: str
    port: int
    workers: int
    threads: int
    data_dir: Path


S = TypeVar("S", bound=ServeSettings)


def serve(package: str, load: Callable[[], S], prepare: Callable[[S], object]) -> NoReturn:
    """Load the settings (exit with the sentence naming a bad variable), let the service
    prepare what must exist once — its schema, a first signing key — then exec gunicorn.

    ``prepare`` runs here, in the master, before gunicorn forks, so workers never race to
    create the schema or switch the file to WAL.
    """
    try:
        settings = load()
    except ConfigError as exc:
        sys.exit(f"{package}: {exc}")
    prepare(settings)
    exec_gunicorn(package, settings)


def exec_gunicorn(package: str, settings: ServeSettings) -> NoReturn:
    """Replace this process with gunicorn serving ``<package>:create_app()``.

    Call it after the schema (and anything else that must exist once) is prepared in this,
    the master, process: gunicorn forks the workers from it.
    """
    # This process becomes the gunicorn master: its pid names its metrics directory.
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(run_dirs.metrics_dir(settings.data_dir, os.getpid())),
        "SERVICE_READY_DIR": str(run_dirs.ready_dir(settings.data_dir)),
    }
    args = [
        sys.executable, "-m", "gunicorn",
        "--config", "python:service_kit.gunicorn_hooks",
        "--bind", f"{settings.host}:{settings.port}",
        "--workers", str(settings.workers),
        "--worker-class", "gthread",
        "--threads", str(settings.threads),
        # Keep-alive stays alive (docs/performance.md): gthread answers "Connection: close"
        # once worker_connections - threads connections sit idle in keep-alive. Each worker
        # gets its own SO_REUSEPORT listener, so the kernel spreads connections across
        # workers and worker_connections keeps gunicorn's default (1000).
        "--reuse-port",
        # An idle keep-alive connection is closed after 1 s (gunicorn's default is 2 s): a
        # stopping worker lingers that long for requests on its kept-alive connections, so
        # a redeploy behind an idle pooled client would take that much longer.
        "--keep-alive", "1",
        "--graceful-timeout", "5",
        "--no-control-socket",
        f"{package}:create_app()",
    ]  # fmt: skip
    os.execve(sys.executable, args, env)  # noqa: S606 - argv list, no shell
