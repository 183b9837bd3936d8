"""Settings of the MCP server, read once from ``INVENTORY_MCP_*`` environment variables.

The issuer and the data dir fall back to the REST API's ``INVENTORY_ISSUER`` and
``INVENTORY_DATA_DIR``: the two processes share the SQLite file and trust the same AS, so
one environment file can configure both. The resource (the MCP URL, which tokens must carry
as ``aud``) has no fallback: it is a different resource from the REST API on purpose.

The token rules are the REST API's own ``TokenPolicy``, read from the same variables
(``INVENTORY_JWT_LEEWAY``, ``..._JWKS_COOLDOWN``, ``..._JWKS_MAX_AGE``,
``..._MAX_TOKEN_LIFETIME``, ``..._TOKEN_CACHE_SIZE``) by the same code, with this server's
audience: one policy, so no setting reaches one server and misses the other. So are the
trusted issuers (``INVENTORY_ISSUER`` or ``INVENTORY_ISSUERS_FILE``) and their profiles; the
accepted ``aud`` here is the MCP URL, or ``INVENTORY_MCP_AUDIENCE`` (``mcp_audience`` in the
issuers file).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service_kit.database_settings import DatabaseSettings
from service_kit.settings import ConfigError, Environment

from ..config import PREFIX
from ..resource_server.issuers import load_policies
from ..resource_server.policy import TokenPolicy

# One policy for REST and MCP: MCP-only copies of its settings would let the two drift.
_SHARED_POLICY = {
    "mcp_jwt_leeway": "JWT_LEEWAY",
    "mcp_jwks_cooldown": "JWKS_COOLDOWN",
    "mcp_token_cache_size": "TOKEN_CACHE_SIZE",
}


@dataclass(frozen=True)
class McpSettings:
    issuer: str
    resource: str  # the MCP endpoint URL, e.g. http://127.0.0.1:9003/mcp
    data_dir: Path
    token_policy: TokenPolicy  # the REST API's rules; audience = this MCP URL
    token_policies: tuple[TokenPolicy, ...] = ()  # every trusted issuer's, routed by iss
    issuers_file: str | None = None  # followed while serving (resource_server/trust_file.py)
    host: str = "127.0.0.1"
    port: int = 9003
    workers: int = 1  # uvicorn processes, each with its own event loop (one core each)
    allowed_hosts: tuple[str, ...] = ()
    log_level: str = "INFO"
    database: DatabaseSettings = field(
        default_factory=DatabaseSettings
    )  # INVENTORY_DATABASE_URL, as the REST API

    @property
    def path(self) -> str:
        return urlsplit(self.resource).path or "/"

    @property
    def resource_metadata_path(self) -> str:
        """RFC 9728 §3.1: the well-known suffix goes between host and path."""
        return "/.well-known/oauth-protected-resource" + self.path.rstrip("/")

    @property
    def resource_metadata_url(self) -> str:
        parts = urlsplit(self.resource)
        return f"{parts.scheme}://{parts.netloc}{self.resource_metadata_path}"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> McpSettings:
        raw = Environment(PREFIX, overrides)
        if not raw.get("mcp_resource"):
            raise ConfigError(
                f"{PREFIX}MCP_RESOURCE is required: the MCP URL, e.g. http://127.0.0.1:9003/mcp"
            )
        resource = raw.http_url("mcp_resource")
        if not urlsplit(resource).path.strip("/"):
            raise ConfigError(f"{PREFIX}MCP_RESOURCE must name the MCP path, e.g. .../mcp")
        if not raw.get("mcp_issuer") and raw.get("issuer"):
            raw["mcp_issuer"] = raw["issuer"]
        if not raw.get("mcp_issuer") and not raw.get("issuers_file"):
            raise ConfigError(
                f"{PREFIX}MCP_ISSUER (or {PREFIX}ISSUER) is required: the AS issuer"
                f" (or {PREFIX}ISSUERS_FILE for several)"
            )
        for name, shared in _SHARED_POLICY.items():
            if raw.get(name) not in (None, ""):
                raise ConfigError(
                    f"{raw.variable(name)} is not a setting: the MCP server validates tokens"
                    f" by the REST API's policy; set {PREFIX}{shared} for both"
                )
        hosts = raw.get("mcp_allowed_hosts") or urlsplit(resource).netloc
        if not raw.get("issuers_file"):
            raw["issuer"] = raw.http_url("mcp_issuer")
        policies = tuple(p.for_audience(resource) for p in load_policies(raw, audience=resource))
        return cls(
            issuer=policies[0].issuer,
            resource=resource,
            token_policy=policies[0],
            token_policies=policies,
            issuers_file=str(raw.get("issuers_file") or "") or None,
            data_dir=Path(
                raw.get("mcp_data_dir") or raw.get("data_dir") or ".data/inventory_service"
            ),
            host=str(raw.get("mcp_host", cls.host)),
            port=raw.whole_number("mcp_port", cls.port, 1, 65535),
            workers=raw.whole_number("mcp_workers", cls.workers, 1, 64),
            allowed_hosts=tuple(h.strip() for h in str(hosts).split(",") if h.strip()),
            log_level=str(raw.get("mcp_log_level", raw.get("log_level", cls.log_level))).upper(),
            database=DatabaseSettings.load(raw),
        )
