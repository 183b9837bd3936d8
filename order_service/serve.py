"""``python -m order_service``: validate settings, create the schema, exec gunicorn."""

from __future__ import annotations

from service_kit.gunicorn import serve

from .config import Settings
from .orders import DB_FILE, Orders


def main() -> None:
    serve("order_service", Settings.load, lambda s: Orders(s.data_dir / DB_FILE))
