"""``python -m order_service``: validate settings, create or upgrade the schema, exec gunicorn."""

from __future__ import annotations

from service_kit.gunicorn import serve

from .config import Settings
from .intents import Intents
from .orders import DB_FILE, Orders


def main() -> None:
    # The intents' schema too, so an existing data dir is upgraded once, before the fork.
    serve(
        "order_service",
        Settings.load,
        lambda s: Intents(Orders(s.data_dir / DB_FILE), lease=s.intent_lease),
    )
