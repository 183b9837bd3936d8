"""``python -m order_service``: validate settings, create the schema, exec gunicorn."""

from __future__ import annotations

import sys


def main() -> None:
    from service_kit.gunicorn import exec_gunicorn

    from .config import ConfigError, Settings
    from .orders import DB_FILE, Orders

    try:
        settings = Settings.load()
    except ConfigError as exc:
        sys.exit(f"order_service: {exc}")
    # Schema and WAL once, in the master, before gunicorn forks (see service_kit.sqlite).
    Orders(settings.data_dir / DB_FILE)
    exec_gunicorn("order_service", settings)
