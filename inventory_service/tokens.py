"""Bearer token validation with PyJWT: RFC 9068 profile, keys found through RFC 8414.

What PyJWT does not check on its own is checked here: the ``typ`` header must be
``at+jwt`` (RFC 9068 §4 — it stops an ID token or any other JWT from the same issuer being
replayed as an access token), the algorithm must be on an asymmetric allow-list (never
``none`` or HS*), ``sub``, ``client_id`` and ``jti`` must be present (RFC 9068 §2.2),
``exp``/``iat`` must be JSON numbers (RFC 7519 §2 NumericDate; PyJWT would take "123"),
the three segments must be canonical unpadded base64url (RFC 7515 §2; Python's decoder
would skip stray characters and padding), and ``exp - iat`` may not exceed
``INVENTORY_MAX_TOKEN_LIFETIME``. Nothing depends on claims only our own AS adds, so tokens
from any RFC 9068 issuer validate.

Keys leave on time: the JWKS is re-fetched once it is older than the AS's
``Cache-Control: max-age`` (capped by ``INVENTORY_JWKS_MAX_AGE``), by the first request
that notices, while other threads go on with the current keys (single flight).

Speed (issue "make tokens as cheap as keys"): a signature check costs more than a whole
API-key request, so a token that passed every check is remembered, keyed by the SHA-256 of
the token, until its ``exp``. Expiry and the presence of its ``kid`` in the current JWKS
are re-checked on every hit, scopes and auth-mode flags are applied per request by the
caller, and a verification that started before a key left the JWKS cannot write into the
cache (a generation counter), so a withdrawn key stops its tokens at the next refresh.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt
import requests

from service_kit.discovery import DiscoveryError, discover

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
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "client_id", "jti"]
MAX_TOKEN_BYTES = 8192
HTTP_TIMEOUT = 3.0
MIN_JWKS_AGE = 1.0  # even with max-age=0 or no-store: never a fetch per request
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age=(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|[,\s])(?:no-store|no-cache)(?:$|[,\s])", re.IGNORECASE)


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
    """The issuer's signing keys: discovered via RFC 8414 metadata, kept fresh.

    Two reasons to fetch: the copy is older than its max-age (the AS's ``Cache-Control``
    capped by ``max_age``), or a token names an unknown ``kid`` — at most one such refetch
    per ``cooldown`` seconds, so a flood of forged kids cannot turn into a flood of JWKS
    requests. A failed fetch keeps the last good keys and is retried after the cooldown.
    ``generation`` goes up whenever a key leaves the set.
    """

    def __init__(self, issuer: str, cooldown: float, max_age: float, on_keys_removed=None):
        self.issuer = issuer
        self.cooldown = cooldown
        self.max_age = max_age
        self.generation = 0
        self._on_keys_removed = on_keys_removed
        self._lock = threading.Lock()
        self._jwks_uri: str | None = None
        self.metadata: dict[str, Any] = {}
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._stale_at = float("-inf")

    def get(self, kid: str | None) -> jwt.PyJWK | None:
        seen = self._fetched_at
        self.refresh_if_stale()
        key = self._lookup(kid)
        if key is None:
            # Single flight: one refetch however many threads miss, and threads that miss
            # while it runs wait for its result instead of fetching again.
            with self._lock:
                key = self._lookup(kid)
                fresh = self._fetched_at != seen
                if key is None and not fresh and self._cooled_down():
                    self._refresh()
                    key = self._lookup(kid)
        return key

    def _cooled_down(self) -> bool:
        return time.monotonic() - self._fetched_at >= self.cooldown

    def knows(self, kid: str | None) -> bool:
        """Is ``kid`` in the current JWKS? Asked on every validated-token cache hit."""
        self.refresh_if_stale()
        return self._lookup(kid) is not None

    def refresh_if_stale(self) -> None:
        """One monotonic-clock read when fresh; when stale, one thread fetches, others go on."""
        if time.monotonic() < self._stale_at:
            return
        if not self._lock.acquire(blocking=False):
            return  # another thread is fetching; the current keys serve meanwhile
        try:
            if time.monotonic() >= self._stale_at:
                self._refresh()
        finally:
            self._lock.release()

    def _lookup(self, kid: str | None) -> jwt.PyJWK | None:
        keys = self._keys
        if kid is None:  # RFC 9068 does not require kid; fine when there is one key
            return next(iter(keys.values())) if len(keys) == 1 else None
        return keys.get(kid)

    def _refresh(self) -> None:
        now = time.monotonic()
        self._fetched_at = now
        try:
            uri = self._jwks_uri or self._discover()
            response = requests.get(uri, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            keyset = jwt.PyJWKSet.from_dict(response.json())
        except (requests.RequestException, ValueError, jwt.PyJWTError, DiscoveryError) as exc:
            log.warning("JWKS refresh failed, keeping %d known keys: %s", len(self._keys), exc)
            self._stale_at = now + max(self.cooldown, MIN_JWKS_AGE)
            return
        metrics.JWKS_FETCHES.inc()
        self._stale_at = now + self._age_limit(response.headers.get("Cache-Control", ""))
        keys = {k.key_id: k for k in keyset.keys if k.key_id and k.public_key_use in (None, "sig")}
        removed = set(self._keys) - set(keys)
        if removed:
            self.generation += 1  # before the swap: verifications in flight must not cache
        self._keys = keys
        if removed:
            log.info("JWKS keys withdrawn: %s", ", ".join(sorted(removed)))
            if self._on_keys_removed:
                self._on_keys_removed()

    def _age_limit(self, cache_control: str) -> float:
        """RFC 9111 §5.2.2.1 max-age, capped by our own limit and floored at a second."""
        if _NO_CACHE.search(cache_control):
            return MIN_JWKS_AGE
        match = _MAX_AGE.search(cache_control)
        age = float(match.group(1)) if match else self.max_age
        return max(MIN_JWKS_AGE, min(age, self.max_age))

    def _discover(self) -> str:
        """RFC 8414 / OIDC discovery (``service_kit.discovery``); ``issuer`` must match."""
        meta = discover(self.issuer, timeout=HTTP_TIMEOUT)
        if not isinstance(meta.get("jwks_uri"), str):
            raise ValueError(f"the metadata of {self.issuer!r} has no jwks_uri")
        self.metadata = meta
        self._jwks_uri = meta["jwks_uri"]
        return self._jwks_uri


class TokenValidator:
    def __init__(
        self,
        issuer: str,
        audience: str,
        leeway: int,
        jwks_cooldown: float,
        cache_size: int,
        jwks_max_age: float = 300,
        max_lifetime: int = 86400,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.cache_size = cache_size
        self.max_lifetime = max_lifetime
        self._cache: OrderedDict[bytes, TokenClaims] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.jwks = JWKSCache(issuer, jwks_cooldown, jwks_max_age, self.clear_cache)

    def validate(self, token: str) -> TokenClaims:
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("The token is too large.")
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._cache.get(digest)
        if cached is not None:
            if cached.exp + self.leeway <= time.time():
                raise InvalidToken("The token has expired.")
            if not self.jwks.knows(cached.kid):
                self._forget(digest)
                raise InvalidToken("The token was signed with a key that has been withdrawn.")
            return cached
        generation = self.jwks.generation
        claims = self._verify(token)
        self._remember(digest, claims, generation)
        return claims

    def _verify(self, token: str) -> TokenClaims:
        if not _canonical_jws(token):
            raise InvalidToken("The token is not a well-formed JWT (RFC 7515 base64url).")
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
        if not isinstance(claims.get("jti"), str) or not claims["jti"]:
            raise InvalidToken("The token's jti is malformed.")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise InvalidToken("The token's sub is malformed.")
        exp, iat = claims["exp"], claims["iat"]
        if not all(_numeric_date(claims[c]) for c in ("exp", "iat", "nbf") if c in claims):
            raise InvalidToken("The token's exp, iat and nbf must be JSON numbers.")
        if exp - iat > self.max_lifetime:
            raise InvalidToken(f"The token lives longer than {self.max_lifetime} s.")
        return TokenClaims(client_id, frozenset(scope.split()), int(exp), kid, claims)

    def _remember(self, digest: bytes, claims: TokenClaims, generation: int) -> None:
        if self.cache_size <= 0:
            return
        with self._cache_lock:
            if generation != self.jwks.generation:
                return  # a key left the JWKS while this token was being verified
            self._cache[digest] = claims
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)  # oldest first; the cache is only a speed-up

    def _forget(self, digest: bytes) -> None:
        with self._cache_lock:
            self._cache.pop(digest, None)

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()


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
