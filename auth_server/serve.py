"""``python -m auth_server``: validate settings, create the schema and key, exec gunicorn."""

from __future__ import annotations

import sys


def main() -> None:
    from service_kit.gunicorn import exec_gunicorn

    from .config import ConfigError, Settings
    from .keys import KeyStore
    from .store import DB_FILE, Store

    try:
        settings = Settings.load()
    except ConfigError as exc:
        sys.exit(f"auth_server: {exc}")
    # Schema and WAL once, in the master, before gunicorn forks (see service_kit.sqlite).
    Store(settings.data_dir / DB_FILE)
    # Make the key before forking, so workers never race to create the first one.
    KeyStore(
        settings.data_dir / "keys", settings.signing_alg, settings.token_ttl
    ).ensure_signing_key()
    exec_gunicorn("auth_server", settings)
