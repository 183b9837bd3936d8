"""Settings of the Order service, read once from ``ORDER_*`` environment variables.

``ORDER_AUTH`` picks the outbound credential. For ``oauth`` the secret may come from
``ORDER_CLIENT_SECRET_FILE`` (Docker secrets style), and ``ORDER_CLIENT_KEY_FILE`` (a PEM
private key) switches client authentication to ``private_key_jwt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service_kit.database_settings import DatabaseSettings
from service_kit.settings import ConfigError, Environment

PREFIX = "ORDER_"


@dataclass(frozen=True)
class OAuthSettings:
    issuer: str
    client_id: str
    resource: str
    scope: str
    client_secret: str | None = None
    client_key_pem: bytes | None = None
    client_key_id: str | None = None
    refresh_margin: int = 60

    def __repr__(self) -> str:  # never print the secret or key
        return f"OAuthSettings(issuer={self.issuer!r}, client_id={self.client_id!r})"


@dataclass(frozen=True)
class Settings:
    inventory_url: str
    data_dir: Path
    auth: str
    api_key: str | None = None
    oauth: OAuthSettings | None = None
    host: str = "127.0.0.1"
    port: int = 9002
    workers: int = 2
    threads: int = 4
    http_timeout: float = 5.0
    log_level: str = "INFO"
    # Orders all-or-nothing (see ``placement.py``): how long a request holds its order
    # intent, how much longer a retry may still complete it, how often the reconciler runs.
    intent_lease: int = 20
    reconcile_grace: int = 30
    reconcile_interval: int = 10
    # ORDER_DATABASE_URL: orders and intents shared by several replicas (stores.py)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)

    def __repr__(self) -> str:
        return f"Settings(auth={self.auth!r}, inventory_url={self.inventory_url!r})"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        raw = Environment(PREFIX, overrides)
        auth = str(raw.get("auth", "api_key"))
        if auth not in ("api_key", "oauth"):
            raise ConfigError(f"{PREFIX}AUTH must be api_key or oauth, got {auth!r}")
        api_key = _secret(raw, "api_key") if auth == "api_key" else None
        if auth == "api_key" and not api_key:
            raise ConfigError(
                f"{PREFIX}API_KEY (or {PREFIX}API_KEY_FILE) is required when {PREFIX}AUTH=api_key"
            )
        return cls(
            inventory_url=raw.http_url("inventory_url").rstrip("/"),
            data_dir=Path(raw.get("data_dir") or ".data/order_service"),
            auth=auth,
            api_key=api_key,
            oauth=_oauth(raw) if auth == "oauth" else None,
            host=str(raw.get("host", cls.host)),
            port=raw.whole_number("port", cls.port, 1, 65535),
            workers=raw.whole_number("workers", cls.workers, 1, 64),
            threads=raw.whole_number("threads", cls.threads, 1, 64),
            log_level=str(raw.get("log_level", cls.log_level)).upper(),
            intent_lease=raw.whole_number("intent_lease", cls.intent_lease, 1, 3600),
            database=DatabaseSettings.load(raw),
            reconcile_grace=raw.whole_number("reconcile_grace", cls.reconcile_grace, 0, 86400),
            reconcile_interval=raw.whole_number(
                "reconcile_interval", cls.reconcile_interval, 0, 3600
            ),
        )


def _oauth(raw: Environment) -> OAuthSettings:
    client_id = raw.get("client_id")
    if not client_id:
        raise ConfigError(f"{PREFIX}CLIENT_ID is required when {PREFIX}AUTH=oauth")
    key_file = raw.get("client_key_file")
    key_pem = _read(f"{PREFIX}CLIENT_KEY_FILE", key_file).encode() if key_file else None
    secret = None if key_pem else _secret(raw, "client_secret")
    if not key_pem and not secret:
        raise ConfigError(
            f"{PREFIX}CLIENT_SECRET, {PREFIX}CLIENT_SECRET_FILE or {PREFIX}CLIENT_KEY_FILE "
            f"is required when {PREFIX}AUTH=oauth"
        )
    scope = str(raw.get("scope") or "")
    if not scope.split():
        raise ConfigError(f"{PREFIX}SCOPE is required when {PREFIX}AUTH=oauth (least privilege)")
    return OAuthSettings(
        issuer=raw.http_url("issuer"),
        client_id=str(client_id),
        resource=raw.http_url("resource"),
        scope=" ".join(scope.split()),
        client_secret=secret,
        client_key_pem=key_pem,
        client_key_id=raw.get("client_key_id") or None,
        refresh_margin=raw.whole_number("token_refresh_margin", 60, 0, 3600),
    )


def _secret(raw: Environment, name: str) -> str | None:
    """``NAME`` or, Docker-secrets style, the first line of the file named by ``NAME_FILE``."""
    value = raw.get(name)
    path = raw.get(f"{name}_file")
    if value and path:
        raise ConfigError(f"set {PREFIX}{name.upper()} or {PREFIX}{name.upper()}_FILE, not both")
    if path:
        return _read(f"{PREFIX}{name.upper()}_FILE", path).strip() or None
    return str(value) if value else None


def _read(variable: str, path: Any) -> str:
    try:
        return Path(str(path)).read_text()
    except OSError as exc:
        raise ConfigError(f"{variable} names a file that cannot be read: {exc.strerror}") from None
