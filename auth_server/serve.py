"""``python -m auth_server``: validate settings, create the schema and key, exec gunicorn."""

from __future__ import annotations

import sys

from service_kit.gunicorn import exec_gunicorn

from .config import ConfigError, Settings
from .storage.pem_keys import PemKeyStore
from .storage.schema import DB_FILE
from .storage.sqlite import SqliteStore


def main() -> None:
    try:
        settings = Settings.load()
    except ConfigError as exc:
        sys.exit(f"auth_server: {exc}")
    # Schema and WAL once, in the master, before gunicorn forks (see service_kit.sqlite).
    SqliteStore(settings.data_dir / DB_FILE)
    # Make the key before forking, so workers never race to create the first one.
    PemKeyStore(
        settings.data_dir / "keys", settings.signing_alg, settings.token_ttl
    ).ensure_signing_key()
    exec_gunicorn("auth_server", settings)
