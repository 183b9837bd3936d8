"""Bearer token validation with PyJWT: the RFC 9068 profile, under one ``TokenPolicy``.

What PyJWT does not check on its own is checked here: the ``typ`` header must be
``at+jwt`` (RFC 9068 §4 — it stops an ID token or any other JWT from the same issuer being
replayed as an access token), the algorithm must be on an asymmetric allow-list (never
``none`` or HS*), ``sub``, ``client_id`` and ``jti`` must be present (RFC 9068 §2.2),
``exp``/``iat`` must be JSON numbers (RFC 7519 §2 NumericDate; PyJWT would take "123"),
the three segments must be canonical unpadded base64url (RFC 7515 §2; Python's decoder
would skip stray characters and padding), and ``exp - iat`` may not exceed the policy's
``max_lifetime``. Nothing depends on claims only our own AS adds, so tokens from any
RFC 9068 issuer validate. The keys come from ``jwks.py``. Another issuer's shape (``typ``
JWT or none, the client in ``azp``/``cid``, scopes in an array, a GUID audience) is the
policy's profile (``profiles.py``); whatever the profile, a token carrying an ID token's
claims is refused, and the client id is given its alias before anyone sees it.
A key ``jwks.py`` cannot fetch while the AS is unreachable raises its
``KeysUnavailable``, not ``InvalidToken``.

Speed: a signature check costs more than a whole API-key request, so a token that passed
every check is remembered, keyed by the SHA-256 of the token, until its ``exp``. Expiry and
the presence of its ``kid`` in the current JWKS are re-checked on every hit, scopes and
auth-mode flags are applied per request by the caller, and a verification that started
before a key left the JWKS cannot write into the cache (a generation counter), so a
withdrawn key stops its tokens at the next refresh.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from .jwks import JWKSCache
from .policy import ACCESS_TOKEN_TYPES, TokenPolicy
from .profiles import NONE, is_id_token, scopes_of
from .saved_jwks import SavedJwks

MAX_TOKEN_BYTES = 8192
UNTRUSTED = "The token comes from an issuer this API does not trust."
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


class InvalidToken(Exception):
    """The token must be refused with RFC 6750 ``invalid_token``; the message says why."""


@dataclass(frozen=True)
class TokenClaims:
    client_id: str  # after the policy's client aliases
    scopes: frozenset[str]  # after the policy's scope map
    exp: int
    kid: str | None
    claims: dict[str, Any]
    scope_claims: tuple[str, ...] = ("scope",)  # where the scopes were read, for messages


class TokenValidator:
    """Validates access tokens for one policy (one issuer, one audience)."""

    def __init__(self, *, policy: TokenPolicy, data_dir: Path | None = None) -> None:
        """``data_dir``: where the last good JWKS is saved for every worker and restart."""
        self.policy = policy
        self._cache: OrderedDict[bytes, TokenClaims] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.jwks = JWKSCache(
            policy.issuer,
            policy.jwks_cooldown,
            policy.jwks_max_age,
            self.clear_cache,
            jwks_uri=policy.jwks_uri,
            saved=SavedJwks(data_dir, policy.issuer) if data_dir else None,
        )

    @property
    def issuers(self) -> list[str]:
        return [self.policy.issuer]

    def policy_of(self, claims: TokenClaims) -> TokenPolicy:
        """The policy that accepted ``claims`` (one here; ``TrustedIssuers`` has several)."""
        return self.policy

    def validate(self, token: str) -> TokenClaims:
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("The token is too large.")
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._cache.get(digest)
        if cached is not None:
            return self._judge_hit(digest, cached, self.jwks.knows)
        generation = self.jwks.generation
        claims = self._verify(token)
        self._remember(digest, claims, generation)
        return claims

    def validate_cached(self, token: str) -> TokenClaims | None:
        """``validate``'s answer when the cache alone can give it, without blocking: None
        when it would take a signature check or a JWKS fetch. An event loop (the MCP
        gate) asks this first and sends only the rest to a worker thread."""
        if len(token) > MAX_TOKEN_BYTES:
            return None
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._cache.get(digest)
        if cached is None:
            return None
        return self._judge_hit(digest, cached, self.jwks.knows_now)

    def _judge_hit(
        self, digest: bytes, cached: TokenClaims, knows: Callable[[str | None], bool | None]
    ) -> TokenClaims | None:
        """A token that passed every check before: still unexpired, its key still published
        (``knows``: ``jwks.knows``, which always answers, or ``jwks.knows_now``, whose None
        is passed on)."""
        if cached.exp + self.policy.leeway <= time.time():
            raise InvalidToken("The token has expired.")
        known = knows(cached.kid)
        if known is None:
            return None
        if not known:
            self._forget(digest)
            raise InvalidToken("The token was signed with a key that has been withdrawn.")
        return cached

    def _verify(self, token: str) -> TokenClaims:
        if not _canonical_jws(token):
            raise InvalidToken("The token is not a well-formed JWT (RFC 7515 base64url).")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("The token is not a well-formed JWT.") from None
        alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
        policy = self.policy
        if payload_of(token).get("iss") != policy.issuer:
            raise InvalidToken(UNTRUSTED)  # before any key lookup: no JWKS fetch for strangers
        if typ is None and NONE in policy.token_types:
            pass  # this issuer sends no typ (Okta, Cognito)
        elif not isinstance(typ, str) or typ.lower() not in policy.token_types:
            raise InvalidToken(_typ_refusal(policy))
        if alg not in self.policy.algorithms:
            raise InvalidToken("The token's signing algorithm is not accepted.")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("The token's kid is malformed.")
        key = self.jwks.get(kid)
        if key is None:
            raise InvalidToken("The token was signed with an unknown key.")
        # PyJWT binds a PyJWK to its own algorithm and refuses a header naming another one,
        # which is what stops HS256-signed-with-the-public-key confusion.
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=list(policy.accepted_audiences) if policy.audience_bound else None,
                issuer=policy.issuer,
                leeway=policy.leeway,
                options={
                    "require": list(policy.required_claims),
                    "verify_iat": True,
                    "verify_aud": policy.audience_bound,
                },
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("The token is not valid yet.") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("The token is meant for another resource.") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("The token comes from an unexpected issuer.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"The token lacks the '{exc.claim}' claim.") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise InvalidToken("The token's signature or claims are invalid.") from None
        if is_id_token(claims) or claims.get("token_use", "access") != "access":
            raise InvalidToken("The token is an ID token; send an access token.")
        if not policy.audience_bound and "aud" in claims:
            audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
            if not set(audiences) & set(policy.accepted_audiences):
                raise InvalidToken("The token is meant for another resource.")
        client_id = next((claims[c] for c in policy.client_id_claims if c in claims), None)
        # Without an aud check (Cognito), the scope map is the binding: only its names count.
        scopes = scopes_of(
            claims, policy.scope_claims, dict(policy.scope_map), not policy.audience_bound
        )
        if not isinstance(client_id, str) or not client_id or scopes is None:
            raise InvalidToken("The token's client_id or scope is malformed.")
        for name in ("jti", "sub"):
            if name in policy.required_claims and (
                not isinstance(claims.get(name), str) or not claims[name]
            ):
                raise InvalidToken(f"The token's {name} is malformed.")
        exp, iat = claims["exp"], claims["iat"]
        if not all(_numeric_date(claims[c]) for c in ("exp", "iat", "nbf") if c in claims):
            raise InvalidToken("The token's exp, iat and nbf must be JSON numbers.")
        if exp - iat > policy.max_lifetime:
            raise InvalidToken(f"The token lives longer than {policy.max_lifetime} s.")
        client_id = policy.aliases.get(client_id, client_id)
        return TokenClaims(client_id, scopes, int(exp), kid, claims, policy.scope_claims)

    def _remember(self, digest: bytes, claims: TokenClaims, generation: int) -> None:
        if self.policy.cache_size <= 0:
            return
        with self._cache_lock:
            if generation != self.jwks.generation:
                return  # a key left the JWKS while this token was being verified
            self._cache[digest] = claims
            if len(self._cache) > self.policy.cache_size:
                self._cache.popitem(last=False)  # oldest first; the cache is only a speed-up

    def _forget(self, digest: bytes) -> None:
        with self._cache_lock:
            self._cache.pop(digest, None)

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()


def _typ_refusal(policy: TokenPolicy) -> str:
    if policy.token_types == ACCESS_TOKEN_TYPES:
        return "The token is not an RFC 9068 access token (typ must be at+jwt)."
    return f"The token's typ header is not one this API accepts ({', '.join(policy.token_types)})."


def payload_of(token: str) -> dict[str, Any]:
    """A token's claims before any check, only to route it to its issuer's policy."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return payload if isinstance(payload, dict) else {}


def _numeric_date(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _canonical_jws(token: str) -> bool:
    """RFC 7515 §7.1 compact form; each part base64url without padding (§2), canonical.

    Re-encoding must give the same text back: that refuses ``=`` padding, characters
    outside the alphabet, and non-zero trailing bits.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return False
    for part in parts:
        if not _SEGMENT.fullmatch(part) or len(part) % 4 == 1:
            return False
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            return False
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != part:
            return False
    return True
