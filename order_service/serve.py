"""``python -m order_service``: validate settings, create or upgrade the schema, exec gunicorn."""

from __future__ import annotations

from service_kit.gunicorn import serve

from .config import Settings
from .stores import open_stores


def main() -> None:
    # The intents' schema too, so an existing data dir is upgraded once, before the fork.
    serve(
        "order_service",
        Settings.load,
        open_stores,
    )
