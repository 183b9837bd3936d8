"""Token profiles: how each authorization server shapes its access tokens, as named defaults.

RFC 9068 is one shape among several. Managed providers put the client in ``azp`` or ``cid``,
the permissions in an ``scp``/``scopes``/``roles`` array, name the API by a GUID, or send no
``typ`` at all (docs/providers.md, tests/support/providers.py). A profile names the defaults
for one provider; every setting stays overridable on its own (``INVENTORY_TOKEN_TYPES`` …,
or the same key in an ``[[issuer]]`` table). What no profile changes: the signature, the
issuer, the expiry, the algorithm allow-list, and the audience check — Cognito aside, whose
M2M tokens carry no ``aud`` and are bound to this API by their scope prefix and
``token_use=access`` instead (weaker; the docs say so).

A profile that accepts ``typ: JWT`` or no ``typ`` would also accept the provider's ID tokens
if the audience matched, so ``ID_TOKEN_MARKERS`` refuses any token carrying a claim only ID
tokens carry, whatever the profile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from service_kit.settings import ConfigError

NONE = "none"  # in token_types: a token without a typ header
RFC9068_TYPES = ("at+jwt", "application/at+jwt")  # RFC 9068 §4
RFC9068_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "client_id", "jti")  # RFC 9068 §2.2
# OIDC Core §2 and §3.1.3.6: nonce, at_hash, c_hash and amr belong to ID tokens; Keycloak
# marks its ID tokens with a "typ": "ID" claim, Cognito with "token_use": "id".
ID_TOKEN_MARKERS = ("nonce", "at_hash", "c_hash", "amr")


class AdminVerification(StrEnum):
    """How an ``inventory:admin`` token is confirmed: asked of the AS, or judged as a JWT
    whose short life stands in for revocation (``INVENTORY_ADMIN_MAX_TOKEN_LIFETIME``)."""

    INTROSPECTION = "introspection"
    JWT = "jwt"


@dataclass(frozen=True)
class Profile:
    token_types: tuple[str, ...]
    client_id_claims: tuple[str, ...]
    scope_claims: tuple[str, ...]
    required_claims: tuple[str, ...]
    admin_verification: AdminVerification
    scope_map: tuple[tuple[str, str], ...] = ()
    audience_bound: bool = True  # False only for Cognito: no ``aud`` in its M2M tokens


def _map(*names: str) -> tuple[tuple[str, str], ...]:
    """Provider names for read, write, admin → this API's scopes."""
    ours = ("inventory:read", "inventory:write", "inventory:admin")
    return tuple(zip(names, ours, strict=True))


JWT_TYPES = ("jwt", *RFC9068_TYPES)
INTROSPECTION, JWT = AdminVerification.INTROSPECTION, AdminVerification.JWT
PROFILES: dict[str, Profile] = {
    "rfc9068": Profile(RFC9068_TYPES, ("client_id",), ("scope",), RFC9068_CLAIMS, INTROSPECTION),
    # typ JWT (at+jwt from 26.2 with the RFC 9068 option); client_id, azp before it.
    "keycloak": Profile(
        JWT_TYPES, ("client_id", "azp"), ("scope",), ("iss", "sub", "aud", "exp", "iat", "jti"),
        INTROSPECTION,
    ),
    # Default profile: typ JWT, client in azp, no jti; no introspection endpoint.
    "auth0": Profile(
        JWT_TYPES, ("client_id", "azp"), ("scope",), ("iss", "sub", "aud", "exp", "iat"), JWT
    ),
    # No typ header; client in cid; scopes in the scp array.
    "okta": Profile(
        (NONE, "jwt"), ("cid", "client_id"), ("scp",), ("iss", "sub", "aud", "exp", "iat", "jti"),
        INTROSPECTION,
    ),
    # v2.0 app tokens: azp (v1.0: appid), app roles in roles, uti instead of jti.
    "entra": Profile(
        ("jwt",), ("azp", "appid"), ("roles",), ("iss", "sub", "aud", "exp", "iat"), JWT,
        _map("Inventory.Read", "Inventory.Write", "Inventory.Admin"),
    ),
    # No typ, no aud; token_use=access; scopes "<resource server>/<name>".
    "cognito": Profile(
        (NONE,), ("client_id",), ("scope",),
        ("iss", "sub", "exp", "iat", "jti", "client_id", "token_use"), JWT,
        _map("inventory/read", "inventory/write", "inventory/admin"), audience_bound=False,
    ),
    # typ JWT; scopes in the scopes array.
    "scalekit": Profile(
        JWT_TYPES, ("client_id",), ("scopes",),
        ("iss", "sub", "aud", "exp", "iat", "jti", "client_id"), JWT,
    ),
    # jwt strategy: typ JWT; scopes in the scp array; aud from the audience parameter.
    "hydra": Profile(
        JWT_TYPES, ("client_id",), ("scp",),
        ("iss", "sub", "aud", "exp", "iat", "jti", "client_id"), INTROSPECTION,
    ),
    # typ JWT; aud = project and client ids; roles in the project-roles claim.
    "zitadel": Profile(
        JWT_TYPES, ("client_id", "azp"), ("urn:zitadel:iam:org:project:roles",),
        ("iss", "sub", "aud", "exp", "iat", "jti"), INTROSPECTION,
    ),
}  # fmt: skip


def is_id_token(claims: Mapping[str, Any]) -> bool:
    """Whether the claims are an OpenID Connect ID token's (see ``ID_TOKEN_MARKERS``)."""
    if any(marker in claims for marker in ID_TOKEN_MARKERS):
        return True
    return claims.get("typ") == "ID" or claims.get("token_use") == "id"


def scopes_of(
    claims: Mapping[str, Any],
    scope_claims: tuple[str, ...],
    scope_map: Mapping[str, str],
    only_mapped: bool = False,
) -> frozenset[str] | None:
    """The scopes the token grants, in this API's names; None if a claim is malformed.
    With ``only_mapped`` (Cognito: the map is what binds the token to this API), a scope
    the map does not name grants nothing.

    ``scope`` is a space-separated string (RFC 9068 §2.2.3, RFC 8693 §4.2) and nothing else;
    other claims may be arrays (``scp``, ``scopes``, ``roles``) or an object whose keys are
    the roles (Zitadel).
    """
    found: set[str] = set()
    for name in scope_claims:
        value = claims.get(name)
        if value is None:
            continue
        if name == "scope" and not isinstance(value, str):
            return None
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            found.update(value)
        elif isinstance(value, dict):
            found.update(str(k) for k in value)
        else:
            return None
    if only_mapped:
        return frozenset(scope_map[s] for s in found if s in scope_map)
    return frozenset(scope_map.get(s, s) for s in found)


# -- reading the settings ------------------------------------------------------------------

LIST_SETTINGS = (
    "token_types", "client_id_claims", "scope_claims", "required_claims", "audience",
    "mcp_audience",
)  # fmt: skip
MAP_SETTINGS = ("scope_map", "client_aliases")
TEXT_SETTINGS = ("jwks_uri", "introspection_endpoint", "admin_verification")
NUMBER_SETTINGS = ("admin_max_token_lifetime",)
SETTINGS = ("profile", *LIST_SETTINGS, *MAP_SETTINGS, *TEXT_SETTINGS, *NUMBER_SETTINGS)


def profile_named(value: Any, variable: str) -> Profile:
    name = str(value or "rfc9068").strip().lower()
    if name not in PROFILES:
        raise ConfigError(f"{variable} must be one of {', '.join(PROFILES)}, got {value!r}")
    return PROFILES[name]


def as_list(value: Any, variable: str) -> tuple[str, ...]:
    """A TOML array of strings, or the comma-separated string of the environment."""
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [item.strip() for item in value]
    else:
        raise ConfigError(f"{variable} must be a list of strings or a comma-separated string")
    if not all(items):
        raise ConfigError(f"{variable} has an empty item: {value!r}")
    return tuple(items)


def as_map(value: Any, variable: str) -> tuple[tuple[str, str], ...]:
    """A TOML table, or ``name=value,name=value`` as the environment gives it."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, str):
        pairs = []
        for item in value.split(","):
            name, sep, mapped = item.partition("=")
            if not sep:
                raise ConfigError(
                    f"{variable} must be name=value pairs, comma-separated; got {item.strip()!r}"
                )
            pairs.append((name, mapped))
    else:
        raise ConfigError(f"{variable} must be a table or name=value pairs")
    out = tuple((str(k).strip(), v.strip() if isinstance(v, str) else v) for k, v in pairs)
    if not all(k and isinstance(v, str) and v for k, v in out):
        raise ConfigError(f"{variable} has an empty name or value: {value!r}")
    return out


def policy_fields(source: Mapping[str, Any], variable: Callable[[str], str]) -> dict[str, Any]:
    """``TokenPolicy`` keyword arguments from ``source`` (the environment without its prefix,
    or an ``[[issuer]]`` table); ``variable`` names a setting in error messages."""
    profile = profile_named(source.get("profile"), variable("profile"))

    def given(name: str) -> bool:
        return source.get(name) not in (None, "")

    def listed(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        return as_list(source[name], variable(name)) if given(name) else default

    token_types = tuple(t.lower() for t in listed("token_types", profile.token_types))
    admin = source.get("admin_verification") or profile.admin_verification
    if admin not in tuple(AdminVerification):
        choices = ", ".join(AdminVerification)
        raise ConfigError(f"{variable('admin_verification')} must be {choices}, got {admin!r}")
    lifetime = source.get("admin_max_token_lifetime", 300)
    digits = not isinstance(lifetime, bool) and str(lifetime).isdigit()
    if not digits or not 1 <= int(lifetime) <= 86400:
        raise ConfigError(
            f"{variable('admin_max_token_lifetime')} must be 1-86400 seconds, got {lifetime!r}"
        )
    required = listed("required_claims", profile.required_claims)
    # Never weakened: iss, exp and iat (the lifetime cap) always, aud wherever the profile
    # binds by audience.
    floor = ("iss", "exp", "iat", "aud") if profile.audience_bound else ("iss", "exp", "iat")
    return {
        "profile": str(source.get("profile") or "rfc9068").lower(),
        "token_types": token_types,
        "client_id_claims": listed("client_id_claims", profile.client_id_claims),
        "scope_claims": listed("scope_claims", profile.scope_claims),
        "required_claims": tuple(dict.fromkeys((*required, *floor))),
        "scope_map": as_map(source["scope_map"], variable("scope_map"))
        if given("scope_map")
        else profile.scope_map,
        "client_aliases": as_map(source["client_aliases"], variable("client_aliases"))
        if given("client_aliases")
        else (),
        "audiences": listed("audience", ()),
        "mcp_audiences": listed("mcp_audience", ()),
        "audience_bound": profile.audience_bound,
        "jwks_uri": _url(source, "jwks_uri", variable),
        "introspection_endpoint": _url(source, "introspection_endpoint", variable),
        "admin_verification": AdminVerification(admin),
        "admin_max_lifetime": int(lifetime),
    }


def _url(source: Mapping[str, Any], name: str, variable: Callable[[str], str]) -> str | None:
    value = source.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"{variable(name)} must be an absolute http(s) URL, got {value!r}")
    return value
