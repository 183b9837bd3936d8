"""The token policy: every rule a bearer token is judged by, as one frozen object.

Built once from settings (``TokenPolicy.load``) and handed, by keyword, to every
``TokenValidator`` — the REST API's and the MCP server's — so a setting cannot reach one
and miss the other. The two differ only in ``audience`` (each is its own RFC 8707
resource). A policy describes one issuer; trusting several issuers means several policies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from service_kit.settings import Environment

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
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")  # RFC 9068 §4
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "client_id", "jti")  # RFC 9068 §2.2


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
    token_types: tuple[str, ...] = ACCESS_TOKEN_TYPES
    required_claims: tuple[str, ...] = REQUIRED_CLAIMS

    @classmethod
    def load(cls, raw: Environment, *, issuer: str, audience: str) -> TokenPolicy:
        """The policy from ``INVENTORY_JWT_LEEWAY``, ``..._JWKS_COOLDOWN``,
        ``..._JWKS_MAX_AGE``, ``..._MAX_TOKEN_LIFETIME`` and ``..._TOKEN_CACHE_SIZE``."""
        return cls(
            issuer=issuer,
            audience=audience,
            leeway=raw.whole_number("jwt_leeway", cls.leeway, 0, 300),
            jwks_cooldown=raw.whole_number("jwks_cooldown", cls.jwks_cooldown, 0, 3600),
            jwks_max_age=raw.whole_number("jwks_max_age", cls.jwks_max_age, 1, 86400),
            max_lifetime=raw.whole_number("max_token_lifetime", cls.max_lifetime, 60, 7 * 86400),
            cache_size=raw.whole_number("token_cache_size", cls.cache_size, 0, 1_000_000),
        )

    def for_audience(self, audience: str) -> TokenPolicy:
        """The same rules for another resource (the MCP URL)."""
        return replace(self, audience=audience)
