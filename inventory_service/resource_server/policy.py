"""The token policy: every rule a bearer token is judged by, as one frozen object.

Built once from settings (``TokenPolicy.load``) and handed, by keyword, to every
``TokenValidator`` — the REST API's and the MCP server's — so a setting cannot reach one
and miss the other. The two differ only in ``audience`` (each is its own RFC 8707
resource). A policy describes one issuer; trusting several issuers means several policies
(``issuers.py``). How that issuer shapes its tokens — ``typ``, where the client id and the
scopes are, which ``aud`` names this API — comes from its profile (``profiles.py``); the
defaults are RFC 9068's, so with no such setting the rules are the strict ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from service_kit.settings import Environment

from .profiles import RFC9068_CLAIMS, RFC9068_TYPES, AdminVerification, policy_fields

# Asymmetric algorithms only: never "none", never HS* (a public key is no shared secret).
ALLOWED_ALGS = (
    "ES256",
    "ES384",
    "ES512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "EdDSA",
)
ACCESS_TOKEN_TYPES = RFC9068_TYPES
REQUIRED_CLAIMS = RFC9068_CLAIMS


@dataclass(frozen=True, kw_only=True)
class TokenPolicy:
    issuer: str
    audience: str
    leeway: int = 30  # seconds of clock skew allowed on exp, iat, nbf
    jwks_cooldown: int = 10  # at most one JWKS refetch per this many seconds on an unknown kid
    jwks_max_age: int = 300  # cap on the AS's Cache-Control max-age for the JWKS
    max_lifetime: int = 86400  # exp - iat above this is refused
    cache_size: int = 10_000  # validated tokens remembered until exp; 0 turns the cache off
    algorithms: tuple[str, ...] = ALLOWED_ALGS
    token_types: tuple[str, ...] = ACCESS_TOKEN_TYPES  # lower case; "none" = no typ header
    required_claims: tuple[str, ...] = REQUIRED_CLAIMS
    profile: str = "rfc9068"
    client_id_claims: tuple[str, ...] = ("client_id",)  # the first one present names the client
    scope_claims: tuple[str, ...] = ("scope",)
    scope_map: tuple[tuple[str, str], ...] = ()  # the issuer's scope names -> ours
    audiences: tuple[str, ...] = ()  # accepted aud values; () = just ``audience``
    mcp_audiences: tuple[str, ...] = ()  # the same for the MCP server; () = its URL
    audience_bound: bool = True  # False: no aud check (Cognito), bound by scope map instead
    jwks_uri: str | None = None  # else discovered
    introspection_endpoint: str | None = None  # else discovered
    admin_verification: AdminVerification = AdminVerification.INTROSPECTION
    admin_max_lifetime: int = 300  # with jwt admin verification
    client_aliases: tuple[tuple[str, str], ...] = ()  # the issuer's client ids -> our names

    @classmethod
    def load(
        cls,
        raw: Environment,
        *,
        issuer: str,
        audience: str,
        table: Mapping[str, Any] | None = None,
        where: str = "",
    ) -> TokenPolicy:
        """The policy from ``INVENTORY_JWT_LEEWAY``, ``..._JWKS_COOLDOWN``,
        ``..._JWKS_MAX_AGE``, ``..._MAX_TOKEN_LIFETIME`` and ``..._TOKEN_CACHE_SIZE``, and the
        issuer's token shape from ``INVENTORY_TOKEN_PROFILE`` and its overrides — or, for an
        ``[[issuer]]`` table of the issuers file, from that table (``where`` names it)."""
        if table is None:
            # The environment says INVENTORY_TOKEN_PROFILE where a table says ``profile``.
            env = {**raw, "profile": raw.get("token_profile")}
            shape = policy_fields(
                env, lambda name: raw.variable("token_profile" if name == "profile" else name)
            )
        else:
            shape = policy_fields(table, lambda name: f"{where} {name}")
        return cls(
            issuer=issuer,
            audience=audience,
            **shape,
            leeway=raw.whole_number("jwt_leeway", cls.leeway, 0, 300),
            jwks_cooldown=raw.whole_number("jwks_cooldown", cls.jwks_cooldown, 0, 3600),
            jwks_max_age=raw.whole_number("jwks_max_age", cls.jwks_max_age, 1, 86400),
            max_lifetime=raw.whole_number("max_token_lifetime", cls.max_lifetime, 60, 7 * 86400),
            cache_size=raw.whole_number("token_cache_size", cls.cache_size, 0, 1_000_000),
        )

    @property
    def accepted_audiences(self) -> tuple[str, ...]:
        return self.audiences or (self.audience,)

    @property
    def aliases(self) -> dict[str, str]:
        return dict(self.client_aliases)

    def for_audience(self, audience: str) -> TokenPolicy:
        """The same rules for another resource (the MCP URL), which accepts its own URL or
        ``mcp_audience`` as ``aud``."""
        return replace(self, audience=audience, audiences=self.mcp_audiences)
