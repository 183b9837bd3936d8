"""``python -m inventory_service``: validate settings, create the schema, exec gunicorn."""

from __future__ import annotations

import sys

from service_kit.gunicorn import exec_gunicorn

from .config import ConfigError, Settings
from .db import DB_FILE, Database


def main() -> None:
    try:
        settings = Settings.load()
    except ConfigError as exc:
        sys.exit(f"inventory_service: {exc}")
    # Schema and WAL once, in the master, before gunicorn forks (see service_kit.sqlite).
    Database(settings.data_dir / DB_FILE)
    exec_gunicorn("inventory_service", settings)
