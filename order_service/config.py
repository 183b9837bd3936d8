"""Settings of the Order service, read once from ``ORDER_*`` environment variables.

``ORDER_AUTH`` picks the outbound credential. For ``oauth`` the secret may come from
``ORDER_CLIENT_SECRET_FILE`` (Docker secrets style), and ``ORDER_CLIENT_KEY_FILE`` (a PEM
private key) switches client authentication to ``private_key_jwt``.

Other authorization servers need more knobs (docs/providers.md): ``ORDER_TOKEN_ENDPOINT``
instead of discovery, ``ORDER_AUDIENCE`` (Auth0, Hydra), an empty ``ORDER_RESOURCE`` to send
no RFC 8707 ``resource`` (Entra ID, Cognito), ``ORDER_CLIENT_AUTH_METHOD``,
``ORDER_CLIENT_ASSERTION_AUDIENCE`` and ``ORDER_CLIENT_CERT_FILE`` (see ``client_auth.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service_kit.database_settings import DatabaseSettings
from service_kit.edge import EdgeSettings
from service_kit.settings import ConfigError, Environment

from .client_auth import (
    AssertionAudience,
    ClientAuthMethod,
    certificate_matches_key,
    certificate_thumbprint,
)

PREFIX = "ORDER_"


@dataclass(frozen=True)
class OAuthSettings:
    issuer: str | None  # None only with ``token_endpoint`` set
    client_id: str
    resource: str | None  # None: send no ``resource`` parameter
    scope: str
    client_secret: str | None = None
    client_key_pem: bytes | None = None
    client_key_id: str | None = None
    refresh_margin: int = 60
    token_endpoint: str | None = None  # else discovered from ``issuer``
    audience: str | None = None  # sent as ``audience`` (Auth0, Hydra)
    auth_method: ClientAuthMethod | None = None  # None: private_key_jwt with a key, else basic
    assertion_audience: AssertionAudience = AssertionAudience.TOKEN_ENDPOINT
    client_cert_thumbprint: str | None = None  # ``x5t#S256`` of ORDER_CLIENT_CERT_FILE

    def __post_init__(self) -> None:
        if self.auth_method is None:
            method = (
                ClientAuthMethod.PRIVATE_KEY_JWT
                if self.client_key_pem
                else ClientAuthMethod.CLIENT_SECRET_BASIC
            )
            object.__setattr__(self, "auth_method", method)

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
    edge: EdgeSettings = field(default_factory=EdgeSettings)  # proxies, allowed Host names

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
        edge = EdgeSettings.load(raw)  # no public URL of its own: ORDER_ALLOWED_HOSTS
        host = str(raw.get("host", cls.host))
        edge.check_bind(host, raw.variable("host"), raw.variable("trusted_proxies"))
        return cls(
            edge=edge,
            inventory_url=raw.http_url("inventory_url").rstrip("/"),
            data_dir=Path(raw.get("data_dir") or ".data/order_service"),
            auth=auth,
            api_key=api_key,
            oauth=_oauth(raw) if auth == "oauth" else None,
            host=host,
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
    default = "private_key_jwt" if key_pem else "client_secret_basic"
    method = ClientAuthMethod(raw.choice("client_auth_method", default, tuple(ClientAuthMethod)))
    secret = None
    if method is ClientAuthMethod.PRIVATE_KEY_JWT:
        if not key_pem:
            raise ConfigError(
                f"{PREFIX}CLIENT_KEY_FILE is required when "
                f"{PREFIX}CLIENT_AUTH_METHOD=private_key_jwt"
            )
    else:
        if key_pem:
            raise ConfigError(
                f"{PREFIX}CLIENT_KEY_FILE is set but {PREFIX}CLIENT_AUTH_METHOD={method}; "
                "unset one of them"
            )
        secret = _secret(raw, "client_secret")
        if not secret:
            raise ConfigError(
                f"{PREFIX}CLIENT_SECRET, {PREFIX}CLIENT_SECRET_FILE or {PREFIX}CLIENT_KEY_FILE "
                f"is required when {PREFIX}AUTH=oauth"
            )
    scope = str(raw.get("scope") or "")
    if not scope.split():
        raise ConfigError(f"{PREFIX}SCOPE is required when {PREFIX}AUTH=oauth (least privilege)")
    token_endpoint = raw.http_url("token_endpoint") if raw.get("token_endpoint") else None
    issuer = raw.http_url("issuer") if raw.get("issuer") or not token_endpoint else None
    assertion_audience = AssertionAudience(
        raw.choice("client_assertion_audience", "token_endpoint", tuple(AssertionAudience))
    )
    if assertion_audience is AssertionAudience.ISSUER and not issuer:
        raise ConfigError(
            f"{PREFIX}ISSUER is required when {PREFIX}CLIENT_ASSERTION_AUDIENCE=issuer"
        )
    audience = str(raw.get("audience") or "").strip() or None
    return OAuthSettings(
        issuer=issuer,
        client_id=str(client_id),
        resource=_resource(raw),
        scope=" ".join(scope.split()),
        client_secret=secret,
        client_key_pem=key_pem,
        client_key_id=raw.get("client_key_id") or None,
        refresh_margin=raw.whole_number("token_refresh_margin", 60, 0, 3600),
        token_endpoint=token_endpoint,
        audience=audience,
        auth_method=method,
        assertion_audience=assertion_audience,
        client_cert_thumbprint=_certificate(raw, key_pem, method),
    )


def _resource(raw: Environment) -> str | None:
    """``ORDER_RESOURCE``: required, but set and empty means "send no ``resource``" for an AS
    that refuses RFC 8707 or binds the audience another way (Entra ID, Cognito)."""
    if "resource" in raw and not str(raw["resource"]).strip():
        return None
    if "resource" not in raw:
        raise ConfigError(
            f"{PREFIX}RESOURCE is required when {PREFIX}AUTH=oauth, e.g. http://localhost:9001 "
            "(set it empty to send no resource parameter)"
        )
    return raw.http_url("resource")


def _certificate(raw: Environment, key_pem: bytes | None, method: ClientAuthMethod) -> str | None:
    """``x5t#S256`` of ``ORDER_CLIENT_CERT_FILE``, checked against the private key."""
    path = raw.get("client_cert_file")
    if not path:
        return None
    variable = f"{PREFIX}CLIENT_CERT_FILE"
    if method is not ClientAuthMethod.PRIVATE_KEY_JWT or not key_pem:
        raise ConfigError(f"{variable} needs private_key_jwt and {PREFIX}CLIENT_KEY_FILE")
    pem = _read(variable, path).encode()
    try:
        thumbprint = certificate_thumbprint(pem)
    except ValueError:
        raise ConfigError(f"{variable} must hold a PEM X.509 certificate") from None
    try:
        matches = certificate_matches_key(pem, key_pem)
    except (ValueError, TypeError):
        raise ConfigError(
            f"{PREFIX}CLIENT_KEY_FILE must hold an unencrypted PEM private key"
        ) from None
    if not matches:
        raise ConfigError(f"{variable} is not the certificate of {PREFIX}CLIENT_KEY_FILE's key")
    return thumbprint


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
