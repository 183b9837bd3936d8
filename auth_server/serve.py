"""``python -m auth_server``: validate settings, create the schema and key, exec gunicorn."""

from __future__ import annotations

from service_kit.gunicorn import serve

from .config import Settings
from .storage.backends import open_storage


def _prepare(settings: Settings) -> None:
    # The schema and the first signing key are made here, in the data dir or the database
    # AUTH_DATABASE_URL names, so workers never race to create them.
    open_storage(settings).keys.ensure_signing_key()


def main() -> None:
    serve("auth_server", Settings.load, _prepare)
