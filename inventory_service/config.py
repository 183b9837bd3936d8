"""Settings of the Inventory API, read once from ``INVENTORY_*`` environment variables.

``INVENTORY_CLIENT_ID`` with ``INVENTORY_CLIENT_SECRET`` (or ``..._FILE``) is Inventory's own
client at the AS, used only for RFC 7662 introspection of admin tokens. The secret file is
read when first needed, so compose can start Inventory before its bootstrap writes the file.

The trusted authorization servers are ``INVENTORY_ISSUER``, or every ``[[issuer]]`` of
``INVENTORY_ISSUERS_FILE`` (``resource_server/issuers.py``), each with its token profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service_kit.database_settings import DatabaseSettings
from service_kit.edge import EdgeSettings
from service_kit.settings import ConfigError, Environment

from .migration.cutoff import parse_brownouts
from .migration.evidence import DEFAULT_EVIDENCE_WINDOW, parse_window
from .migration.retention import DEFAULT_USAGE_RETENTION
from .resource_server.issuers import load_policies
from .resource_server.modes import AUTH_MODES, AuthMode
from .resource_server.policy import TokenPolicy

PREFIX = "INVENTORY_"


@dataclass(frozen=True)
class Settings:
    issuer: str
    resource: str
    data_dir: Path
    token_policy: TokenPolicy  # the first trusted issuer's; audience = resource
    token_policies: tuple[TokenPolicy, ...] = ()  # every trusted issuer's, routed by iss
    issuers_file: str | None = None  # followed while serving (resource_server/trust_file.py)
    host: str = "127.0.0.1"
    port: int = 9001
    workers: int = 2
    threads: int = 4
    auth_mode: AuthMode = AuthMode.DUAL
    api_key_sunset: str | None = None  # an IMF-fixdate, as RFC 8594 sends it
    api_key_brownouts: str = ""  # ISO 8601 intervals, see cutoff.py
    migration_docs_url: str = ""
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    client_secret_file: Path | None = None
    introspection_cache_ttl: int = 5
    dashboard_public: bool = False
    evidence_window: int = DEFAULT_EVIDENCE_WINDOW  # seconds a key must be unused to be unused
    usage_retention: int = DEFAULT_USAGE_RETENTION  # seconds a usage row outlives its last call
    as_admin_command: str = "flask --app auth_server"  # how the audit tells you to reach the AS
    log_level: str = "INFO"
    usage_flush_interval: int = 1  # seconds between folds of the in-memory usage counts
    # INVENTORY_DATABASE_URL: the state shared by several replicas (stores.py)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    edge: EdgeSettings = field(default_factory=EdgeSettings)  # proxies, allowed Host names

    @property
    def issuers(self) -> list[str]:
        """Every trusted issuer, as RFC 9728 ``authorization_servers`` lists them."""
        return [p.issuer for p in self.token_policies or (self.token_policy,)]

    @property
    def resource_metadata_url(self) -> str:
        """RFC 9728 §3.1: the well-known suffix goes between host and path."""
        parts = urlsplit(self.resource)
        path = parts.path.rstrip("/")
        return f"{parts.scheme}://{parts.netloc}/.well-known/oauth-protected-resource{path}"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        raw = Environment(PREFIX, overrides)
        resource = raw.http_url("resource")
        policies = load_policies(raw, audience=resource)
        edge = EdgeSettings.load(raw, public_urls=[resource])
        host = str(raw.get("host", cls.host))
        edge.check_bind(host, raw.variable("host"), raw.variable("trusted_proxies"))
        return cls(
            edge=edge,
            issuer=policies[0].issuer,
            resource=resource,
            token_policy=policies[0],
            token_policies=policies,
            issuers_file=str(raw.get("issuers_file") or "") or None,
            data_dir=Path(raw.get("data_dir") or ".data/inventory_service"),
            host=host,
            port=raw.whole_number("port", cls.port, 1, 65535),
            workers=raw.whole_number("workers", cls.workers, 1, 64),
            threads=raw.whole_number("threads", cls.threads, 1, 64),
            auth_mode=_auth_mode(raw.get("auth_mode", cls.auth_mode)),
            api_key_sunset=_sunset(raw.get("api_key_sunset")),
            api_key_brownouts=_brownouts(raw.get("api_key_brownouts")),
            migration_docs_url=str(
                raw.get("migration_docs_url") or f"{resource.rstrip('/')}/docs/migration"
            ),
            introspection_cache_ttl=raw.whole_number(
                "introspection_cache_ttl", cls.introspection_cache_ttl, 0, 60
            ),
            **_introspection_client(raw),
            dashboard_public=str(raw.get("dashboard_public", "")).lower() in ("1", "true", "yes"),
            evidence_window=(window := _evidence_window(raw.get("evidence_window"))),
            usage_retention=_usage_retention(raw.get("usage_retention"), window),
            as_admin_command=str(raw.get("as_admin_command") or cls.as_admin_command),
            log_level=str(raw.get("log_level", cls.log_level)).upper(),
            usage_flush_interval=raw.whole_number(
                "usage_flush_interval", cls.usage_flush_interval, 1, 3600
            ),
            database=DatabaseSettings.load(raw),
        )


def _introspection_client(raw: Environment) -> dict[str, Any]:
    client_id, secret, path = (
        raw.get("client_id"),
        raw.get("client_secret"),
        raw.get("client_secret_file"),
    )
    if secret and path:
        raise ConfigError(f"set {PREFIX}CLIENT_SECRET or {PREFIX}CLIENT_SECRET_FILE, not both")
    if bool(client_id) != bool(secret or path):
        raise ConfigError(
            f"{PREFIX}CLIENT_ID and {PREFIX}CLIENT_SECRET (or {PREFIX}CLIENT_SECRET_FILE) "
            "go together: Inventory's own client for introspecting admin tokens"
        )
    return {
        "client_id": str(client_id) if client_id else None,
        "client_secret": str(secret) if secret else None,
        "client_secret_file": Path(path) if path else None,
    }


def _evidence_window(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_EVIDENCE_WINDOW
    try:
        seconds = parse_window(str(value))
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise ConfigError(
            f"{PREFIX}EVIDENCE_WINDOW must be a duration such as 30d, 12h, 10m or 90s,"
            f" got {value!r}"
        )
    return seconds


def _usage_retention(value: Any, evidence_window: int) -> int:
    """At least the evidence window: a pruned row must no longer decide anything."""
    if value in (None, ""):
        return max(DEFAULT_USAGE_RETENTION, evidence_window)
    try:
        seconds = parse_window(str(value))
    except ValueError:
        seconds = 0
    if seconds < evidence_window:
        raise ConfigError(
            f"{PREFIX}USAGE_RETENTION must be a duration such as 90d, at least"
            f" {PREFIX}EVIDENCE_WINDOW ({evidence_window} s), got {value!r}"
        )
    return seconds


def _auth_mode(value: Any) -> AuthMode:
    if value not in AUTH_MODES:
        raise ConfigError(
            f"{PREFIX}AUTH_MODE must be one of {', '.join(AUTH_MODES)}, got {value!r}"
        )
    return AuthMode(value)


def _sunset(value: Any) -> str | None:
    """Accept an ISO date/time or an HTTP-date; send it as an RFC 8594 HTTP-date."""
    if not value:
        return None
    text = str(value)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            raise ConfigError(
                f"{PREFIX}API_KEY_SUNSET must be a date, e.g. 2027-03-31, got {text!r}"
            ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _brownouts(value: Any) -> str:
    try:
        parse_brownouts(str(value or ""))
    except ValueError as exc:
        raise ConfigError(
            f"{PREFIX}API_KEY_BROWNOUTS must be ISO 8601 intervals such as"
            f" 2027-05-04T14:00Z/PT1H, comma-separated: {exc}"
        ) from None
    return str(value or "")
