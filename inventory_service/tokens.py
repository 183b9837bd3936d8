"""Bearer token validation with PyJWT: RFC 9068 profile, keys found through RFC 8414.

What PyJWT does not check on its own is checked here: the ``typ`` header must be
``at+jwt`` (RFC 9068 §4 — it stops an ID token or any other JWT from the same issuer being
replayed as an access token), the algorithm must be on an asymmetric allow-list (never
``none`` or HS*), and ``client_id`` and ``jti`` must be present. Nothing depends on claims
only our own AS adds, so tokens from any RFC 9068 issuer validate.

Speed (issue "make tokens as cheap as keys"): a signature check costs more than a whole
API-key request, so a token that passed every check is remembered, keyed by the SHA-256 of
the token, until its ``exp``. Expiry is re-checked on every hit, scopes and auth-mode flags
are applied per request by the caller, and the cache is dropped whenever a key leaves the
JWKS, so a withdrawn key stops its tokens at the next refresh.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt
import requests

from . import metrics

log = logging.getLogger(__name__)

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
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "client_id", "jti"]
MAX_TOKEN_BYTES = 8192
HTTP_TIMEOUT = 3.0


class InvalidToken(Exception):
    """The token must be refused with RFC 6750 ``invalid_token``; the message says why."""


@dataclass(frozen=True)
class TokenClaims:
    client_id: str
    scopes: frozenset[str]
    exp: int
    kid: str | None
    claims: dict[str, Any]


class JWKSCache:
    """The issuer's signing keys: discovered via RFC 8414 metadata, fetched on demand.

    An unknown ``kid`` triggers at most one refetch per ``cooldown`` seconds (so a flood of
    forged kids cannot turn into a flood of JWKS requests), and a failed refetch keeps the
    last good keys.
    """

    def __init__(self, issuer: str, cooldown: float, on_keys_removed=None) -> None:
        self.issuer = issuer
        self.cooldown = cooldown
        self._on_keys_removed = on_keys_removed
        self._lock = threading.Lock()
        self._jwks_uri: str | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")

    def get(self, kid: str | None) -> jwt.PyJWK | None:
        key = self._lookup(kid)
        if key is None:
            # Single flight: one refetch however many threads miss, and threads that miss
            # while it runs wait for its result instead of failing on the cooldown.
            with self._lock:
                key = self._lookup(kid)
                if key is None and time.monotonic() - self._fetched_at >= self.cooldown:
                    self._refresh()
                    key = self._lookup(kid)
        return key

    def _lookup(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:  # RFC 9068 does not require kid; fine when there is one key
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            uri = self._jwks_uri or self._discover()
            response = requests.get(uri, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            keyset = jwt.PyJWKSet.from_dict(response.json())
        except (requests.RequestException, ValueError, jwt.PyJWTError) as exc:
            log.warning("JWKS refresh failed, keeping %d known keys: %s", len(self._keys), exc)
            return
        metrics.JWKS_FETCHES.inc()
        keys = {k.key_id: k for k in keyset.keys if k.key_id and k.public_key_use in (None, "sig")}
        removed = set(self._keys) - set(keys)
        self._keys = keys
        if removed and self._on_keys_removed:
            self._on_keys_removed()

    def _discover(self) -> str:
        """RFC 8414 §3: metadata at the well-known URL, ``issuer`` must match exactly."""
        base = self.issuer.rstrip("/")
        response = requests.get(
            f"{base}/.well-known/oauth-authorization-server", timeout=HTTP_TIMEOUT
        )
        response.raise_for_status()
        meta = response.json()
        if meta.get("issuer") != self.issuer:
            raise ValueError(f"metadata issuer {meta.get('issuer')!r} != {self.issuer!r}")
        self._jwks_uri = meta["jwks_uri"]
        return self._jwks_uri


class TokenValidator:
    def __init__(
        self, issuer: str, audience: str, leeway: int, jwks_cooldown: float, cache_size: int
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.cache_size = cache_size
        self._cache: OrderedDict[bytes, TokenClaims] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.jwks = JWKSCache(issuer, jwks_cooldown, on_keys_removed=self.clear_cache)

    def validate(self, token: str) -> TokenClaims:
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("The token is too large.")
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._cache.get(digest)
        if cached is not None:
            if cached.exp + self.leeway <= time.time():
                raise InvalidToken("The token has expired.")
            return cached
        claims = self._verify(token)
        self._remember(digest, claims)
        return claims

    def _verify(self, token: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("The token is not a well-formed JWT.") from None
        alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("The token is not an RFC 9068 access token (typ must be at+jwt).")
        if alg not in ALLOWED_ALGS:
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
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS, "verify_iat": True},
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
        client_id, scope = claims.get("client_id"), claims.get("scope", "")
        if not isinstance(client_id, str) or not client_id or not isinstance(scope, str):
            raise InvalidToken("The token's client_id or scope is malformed.")
        if not isinstance(claims.get("jti"), str):
            raise InvalidToken("The token's jti is malformed.")
        return TokenClaims(client_id, frozenset(scope.split()), int(claims["exp"]), kid, claims)

    def _remember(self, digest: bytes, claims: TokenClaims) -> None:
        if self.cache_size <= 0:
            return
        with self._cache_lock:
            self._cache[digest] = claims
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)  # oldest first; the cache is only a speed-up

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()
