"""Several trusted issuers at once: tokens routed by ``iss`` to that issuer's policy.

Moving from one authorization server to another is a migration like the move off API keys:
trust both for a while, move each client, then drop the old one. ``INVENTORY_ISSUERS_FILE``
names a TOML file of ``[[issuer]]`` tables (``url``, ``profile`` and any profile setting by
its lower-case name, see ``profiles.py``); ``INVENTORY_ISSUER`` alone stays the one-issuer
shorthand. Each issuer gets its own ``TokenValidator`` (own JWKS, own cache). The ``iss`` a
token names is read before its signature is checked, only to pick the validator: a token
naming an issuer not in the list is refused at once, with no network call (a lone
``TokenValidator`` does the same before it looks up a key), and the chosen validator then
verifies ``iss`` again along with everything else.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service_kit.settings import ConfigError, Environment

from .policy import TokenPolicy
from .tokens import (
    MAX_TOKEN_BYTES,
    UNTRUSTED,
    InvalidToken,
    TokenClaims,
    TokenValidator,
    payload_of,
)

TABLE_KEYS = frozenset(
    {
        "url", "profile", "token_types", "client_id_claims", "scope_claims", "scope_map",
        "audience", "mcp_audience", "required_claims", "jwks_uri", "introspection_endpoint",
        "admin_verification", "admin_max_token_lifetime", "client_aliases",
    }
)  # fmt: skip


def validator_for(
    policies: Sequence[TokenPolicy], data_dir: Path | None = None
) -> TokenValidator | TrustedIssuers:
    """One issuer's validator as it is, or the router for several; ``data_dir`` keeps each
    issuer's last good JWKS (``saved_jwks.py``)."""
    if len(policies) == 1:
        return TokenValidator(policy=policies[0], data_dir=data_dir)
    return TrustedIssuers(policies=policies, data_dir=data_dir)


class TrustedIssuers:
    """Validates a token with the policy of the issuer it names; same interface as one
    ``TokenValidator`` for the REST authenticator and the MCP gate."""

    def __init__(self, *, policies: Sequence[TokenPolicy], data_dir: Path | None = None) -> None:
        self.validators = {p.issuer: TokenValidator(policy=p, data_dir=data_dir) for p in policies}
        self.policies = tuple(policies)

    @property
    def issuers(self) -> list[str]:
        return list(self.validators)

    def validate(self, token: str) -> TokenClaims:
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("The token is too large.")
        issuer = payload_of(token).get("iss")
        validator = self.validators.get(issuer) if isinstance(issuer, str) else None
        if validator is None:
            raise InvalidToken(UNTRUSTED)
        return validator.validate(token)

    def validate_cached(self, token: str) -> TokenClaims | None:
        """``TokenValidator.validate_cached`` of the issuer the token names."""
        if len(token) > MAX_TOKEN_BYTES:
            return None
        issuer = payload_of(token).get("iss")
        validator = self.validators.get(issuer) if isinstance(issuer, str) else None
        return None if validator is None else validator.validate_cached(token)

    def policy_of(self, claims: TokenClaims) -> TokenPolicy:
        return self.validators[claims.claims["iss"]].policy


def load_policies(raw: Environment, *, audience: str) -> tuple[TokenPolicy, ...]:
    """The policies of ``INVENTORY_ISSUERS_FILE``, or of ``INVENTORY_ISSUER`` alone."""
    path = raw.get("issuers_file")
    if not path:
        return (TokenPolicy.load(raw, issuer=raw.http_url("issuer"), audience=audience),)
    variable = raw.variable("issuers_file")
    try:
        document = tomllib.loads(Path(str(path)).read_text())
    except OSError as exc:
        raise ConfigError(f"{variable} names a file that cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{variable} is not valid TOML: {exc}") from None
    tables = document.get("issuer")
    if not isinstance(tables, list) or not tables or set(document) != {"issuer"}:
        raise ConfigError(f"{variable} must hold one or more [[issuer]] tables and nothing else")
    policies: dict[str, TokenPolicy] = {}
    for number, table in enumerate(tables, start=1):
        where = f"{path} [[issuer]] #{number}"
        policy = _policy(raw, table, where, audience)
        if policy.issuer in policies:
            raise ConfigError(f"{where}: issuer {policy.issuer!r} is listed twice")
        policies[policy.issuer] = policy
    single = raw.get("issuer")
    if single and single not in policies:
        raise ConfigError(
            f"{raw.variable('issuer')}={single!r} is not in {variable}: with the file, "
            "leave it unset or name one of the file's issuers"
        )
    return tuple(policies.values())


def _policy(raw: Environment, table: dict[str, Any], where: str, audience: str) -> TokenPolicy:
    unknown = sorted(set(table) - TABLE_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting {', '.join(unknown)}")
    url = table.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: url must be the issuer's http(s) URL, got {url!r}")
    return TokenPolicy.load(raw, issuer=url, audience=audience, table=table, where=where)
