"""``python -m inventory_service``: validate settings, create the schema, exec gunicorn."""

from __future__ import annotations

from service_kit.gunicorn import serve

from .config import Settings
from .db import DB_FILE, Database


def main() -> None:
    serve("inventory_service", Settings.load, lambda s: Database(s.data_dir / DB_FILE))
