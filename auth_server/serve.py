"""``python -m auth_server``: validate settings, create the schema and key, exec gunicorn."""

from __future__ import annotations

from service_kit.gunicorn import serve

from .config import Settings
from .storage.pem_keys import PemKeyStore
from .storage.schema import DB_FILE
from .storage.sqlite import SqliteStore


def _prepare(settings: Settings) -> None:
    SqliteStore(settings.data_dir / DB_FILE)
    # The first signing key is made here, so workers never race to create it.
    PemKeyStore(
        settings.data_dir / "keys", settings.signing_alg, settings.token_ttl
    ).ensure_signing_key()


def main() -> None:
    serve("auth_server", Settings.load, _prepare)
