"""The issuer's signing keys (JWKS), discovered through RFC 8414 and kept fresh.

Keys leave on time: the JWKS is re-fetched once it is older than the AS's
``Cache-Control: max-age`` (capped by the policy's ``jwks_max_age``), by the first request
that notices, while other threads go on with the current keys (single flight). An unknown
``kid`` triggers at most one refetch per ``jwks_cooldown``; a failed fetch keeps the last good
keys. ``generation`` goes up whenever a key leaves the set, so the token cache can tell.

"Bad token" and "cannot check now" are told apart: a ``kid`` missing from a JWKS the AS has
just served is unknown (the caller answers 401), but a ``kid`` missing while the AS cannot be
reached raises ``KeysUnavailable`` (the caller answers 503 with ``Retry-After``). The last
good JWKS is also saved in the data dir (``saved_jwks.py``): a worker that boots during an
outage, or whose own fetch fails, uses the newest copy any worker fetched.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests

from service_kit.discovery import DiscoveryError, discover

from ..metrics import JWKS_FETCHES
from .saved_jwks import SavedJwks

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 3.0
MIN_JWKS_AGE = 1.0  # even with max-age=0 or no-store: never a fetch per request
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age=(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|[,\s])(?:no-store|no-cache)(?:$|[,\s])", re.IGNORECASE)


class KeysUnavailable(Exception):
    """A token names a key this process does not know, and the JWKS cannot be fetched now:
    the token cannot be checked, which is not the same as a bad token."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("The authorization server's keys cannot be fetched right now.")
        self.retry_after = retry_after  # seconds until the next fetch attempt


class JWKSCache:
    """The issuer's signing keys: discovered via RFC 8414 metadata, kept fresh.

    Two reasons to fetch: the copy is older than its max-age (the AS's ``Cache-Control``
    capped by ``max_age``), or a token names an unknown ``kid`` — at most one such refetch
    per ``cooldown`` seconds, so a flood of forged kids cannot turn into a flood of JWKS
    requests. A failed fetch keeps the last good keys and is retried after the cooldown.
    ``generation`` goes up whenever a key leaves the set.
    """

    def __init__(
        self,
        issuer: str,
        cooldown: float,
        max_age: float,
        on_keys_removed: Callable[[], None] | None = None,
        jwks_uri: str | None = None,
        saved: SavedJwks | None = None,
    ) -> None:
        self.issuer = issuer
        self.cooldown = cooldown
        self.max_age = max_age
        self.generation = 0
        self._on_keys_removed = on_keys_removed
        self._lock = threading.Lock()
        self._jwks_uri: str | None = jwks_uri  # INVENTORY_JWKS_URI, else discovered
        self.metadata: dict[str, Any] = {}
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._stale_at = float("-inf")
        self._saved = saved
        self._good_at = float("-inf")  # wall-clock start of the fetch behind ``_keys``
        self._unreachable = False  # the latest fetch attempt failed

    def get(self, kid: str | None) -> jwt.PyJWK | None:
        """The key named ``kid``; ``None`` if the JWKS the AS serves lacks it; raises
        ``KeysUnavailable`` if it is not known and the AS cannot be asked now."""
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
        if key is None and self._unreachable:
            wait = math.ceil(self._stale_at - time.monotonic())
            raise KeysUnavailable(max(1, wait))
        return key

    def _cooled_down(self) -> bool:
        return time.monotonic() - self._fetched_at >= self.cooldown

    def knows(self, kid: str | None) -> bool:
        """Is ``kid`` in the current JWKS? Asked on every validated-token cache hit."""
        self.refresh_if_stale()
        return self._lookup(kid) is not None

    def knows_now(self, kid: str | None) -> bool | None:
        """``knows`` without ever fetching: None when the keys are due for a refresh, so
        only a caller that may block on the network can answer."""
        if time.monotonic() >= self._stale_at:
            return None
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
        now, started = time.monotonic(), time.time()
        self._fetched_at = now
        try:
            uri = self._jwks_uri or self._discover()
            response = requests.get(uri, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            document = response.json()
            keyset = jwt.PyJWKSet.from_dict(document)
        except (requests.RequestException, ValueError, jwt.PyJWTError, DiscoveryError) as exc:
            self._unreachable = True
            self._stale_at = now + max(self.cooldown, MIN_JWKS_AGE)
            self._adopt_saved()
            log.warning("JWKS refresh failed, keeping %d known keys: %s", len(self._keys), exc)
            return
        JWKS_FETCHES.inc()
        self._unreachable = False
        self._stale_at = now + self._age_limit(response.headers.get("Cache-Control", ""))
        self._install(keyset, started)
        if self._saved is not None:
            self._saved.save(document["keys"], started)

    def _adopt_saved(self) -> None:
        """After a failed fetch: the saved copy, if a fetch newer than ours wrote it."""
        saved = self._saved.load() if self._saved is not None else None
        if saved is None or saved.fetched_at <= self._good_at:
            return
        try:
            keyset = jwt.PyJWKSet.from_dict({"keys": saved.keys})
        except jwt.PyJWTError as exc:
            log.warning("saved JWKS unusable, ignored: %s", exc)
            return
        self._install(keyset, saved.fetched_at)
        log.info("JWKS taken from the saved copy of %s", time.ctime(saved.fetched_at))

    def _install(self, keyset: jwt.PyJWKSet, fetched_at: float) -> None:
        """Swap in a key set; anything that left it stops its tokens at once."""
        self._good_at = fetched_at
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
