"""``python -m auth_server``: validate settings, create the schema and key, exec gunicorn."""

from __future__ import annotations

from service_kit.gunicorn import serve

from .config import Settings
from .keys import KeyStore
from .store import DB_FILE, Store


def _prepare(settings: Settings) -> None:
    Store(settings.data_dir / DB_FILE)
    # The first signing key is made here, so workers never race to create it.
    KeyStore(
        settings.data_dir / "keys", settings.signing_alg, settings.token_ttl
    ).ensure_signing_key()


def main() -> None:
    serve("auth_server", Settings.load, _prepare)
