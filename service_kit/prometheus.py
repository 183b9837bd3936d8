"""Prometheus exposition, summed across gunicorn workers.

``python -m <service>`` sets ``PROMETHEUS_MULTIPROC_DIR`` before gunicorn forks
(``gunicorn.py``), so every worker writes its counters there and any worker can answer
``/metrics`` for all of them. In-process (tests, the Flask CLI) the default registry serves.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)


def exposition() -> tuple[bytes, str]:
    """The text format and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
