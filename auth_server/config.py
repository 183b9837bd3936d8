"""Settings of the authorization server, read once from ``AUTH_*`` environment variables.

Every value is validated at start-up; a bad one stops the process with a sentence that names
the variable, rather than surfacing later as a confusing OAuth error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse

from service_kit.database_settings import DatabaseSettings
from service_kit.edge import EdgeSettings
from service_kit.settings import ConfigError, Environment

from .storage.key_encryption import load_key_encryption_key

PREFIX = "AUTH_"
SIGNING_ALGS = ("ES256", "RS256")


@dataclass(frozen=True)
class Settings:
    issuer: str
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 9000
    workers: int = 2
    threads: int = 4
    signing_alg: str = "ES256"
    token_ttl: int = 3600
    admin_token: str | None = None
    log_level: str = "INFO"
    scopes: tuple[str, ...] = ("inventory:read", "inventory:write", "inventory:admin")
    client_auth_failure_limit: str = "20/minute"
    # None: the defaults in registration_policy.py (no *:admin scope, known resources only)
    registration_scopes: tuple[str, ...] | None = None
    registration_resources: tuple[str, ...] | None = None
    # AUTH_DATABASE_URL: several replicas on PostgreSQL (storage/backends.py)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    key_encryption_key: str | None = field(default=None, repr=False)
    edge: EdgeSettings = field(default_factory=EdgeSettings)  # proxies, allowed Host names

    @property
    def base_url(self) -> str:
        """The issuer without a trailing slash, for building endpoint URLs."""
        return self.issuer.rstrip("/")

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/oauth/token"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Defaults, then ``AUTH_*`` from the environment, then ``overrides`` (tests)."""
        raw = Environment(PREFIX, overrides)
        scopes = _scopes(raw.get("scopes")) or cls.scopes
        issuer = _issuer(raw.get("issuer"))
        edge = EdgeSettings.load(raw, public_urls=[issuer])
        host = str(raw.get("host", cls.host))
        edge.check_bind(host, raw.variable("host"), raw.variable("trusted_proxies"))
        return cls(
            issuer=issuer,
            edge=edge,
            data_dir=Path(raw.get("data_dir") or ".data/auth_server"),
            host=host,
            port=raw.whole_number("port", cls.port, 1, 65535),
            workers=raw.whole_number("workers", cls.workers, 1, 64),
            threads=raw.whole_number("threads", cls.threads, 1, 64),
            signing_alg=raw.choice("signing_alg", cls.signing_alg, SIGNING_ALGS),
            # OAuth 2.1 wants short-lived tokens; a day is the longest we allow.
            token_ttl=raw.whole_number("token_ttl", cls.token_ttl, 60, 86400),
            admin_token=_admin_token(raw.get("admin_token")),
            log_level=str(raw.get("log_level", cls.log_level)).upper(),
            scopes=scopes,
            client_auth_failure_limit=_rate(
                raw, "client_auth_failure_limit", cls.client_auth_failure_limit
            ),
            registration_scopes=_registration_scopes(raw.get("registration_scopes"), scopes),
            registration_resources=_registration_resources(raw.get("registration_resources")),
            database=(database := DatabaseSettings.load(raw)),
            key_encryption_key=load_key_encryption_key(raw, required=database.postgres),
        )


def _issuer(value: Any) -> str:
    if not value:
        raise ConfigError(f"{PREFIX}ISSUER is required, e.g. http://localhost:9000")
    parts = urlsplit(str(value))
    # RFC 8414 §2: https URL with no query or fragment (http allowed for local demos).
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{PREFIX}ISSUER must be an http(s) URL without query or fragment")
    return str(value)  # kept byte-identical: RFC 8414 §3.3 compares it exactly


def _scopes(value: Any) -> tuple[str, ...]:
    scopes = tuple(str(value or "").split())
    # RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\\'.
    if any(not all(0x21 <= ord(c) <= 0x7E and c not in '"\\' for c in s) for s in scopes):
        raise ConfigError(f"{PREFIX}SCOPES must be space-separated RFC 6749 scope tokens")
    return scopes


def _registration_scopes(value: Any, supported: tuple[str, ...]) -> tuple[str, ...] | None:
    if value is None:
        return None
    scopes = tuple(str(value).split())
    unknown = [s for s in scopes if s not in supported]
    if unknown:
        raise ConfigError(
            f"{PREFIX}REGISTRATION_SCOPES names scope(s) not in {PREFIX}SCOPES: {' '.join(unknown)}"
        )
    return scopes


def _registration_resources(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    resources = tuple(str(value).split())
    for resource in resources:
        parts = urlsplit(resource)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise ConfigError(
                f"{PREFIX}REGISTRATION_RESOURCES must be space-separated absolute http(s) URLs"
            )
    return resources


def _rate(raw: Environment, name: str, default: str) -> str:
    value = str(raw.get(name) or default)
    try:
        parse(value)
    except ValueError:
        raise ConfigError(
            f"{PREFIX}{name.upper()} must be a rate such as 20/minute, got {value!r}"
        ) from None
    return value


def _admin_token(value: Any) -> str | None:
    if not value:
        return None  # dynamic registration is then switched off, not open
    if len(str(value)) < 32:
        raise ConfigError(f"{PREFIX}ADMIN_TOKEN must be at least 32 characters")
    return str(value)
