"""A per-process cache for one client-credentials access token.

The rules, each tested with a fake clock:

* Reuse the token until ``margin`` seconds before it expires; never one fetch per call.
* Single flight: when many threads need a token at once, one fetches and the rest wait.
* ``invalidate`` drops a token the resource server refused (401), so the next ``get``
  fetches a fresh one.
* If the authorization server is down, a token that has not actually expired keeps being
  used (we were only refreshing early); without one, ``AuthServerUnavailable`` says so.
  After a failed fetch, further attempts wait ``retry_after`` seconds, counted from the end
  of the failed attempt, so an outage does not put every request behind a connect timeout;
  after a 429 (``AuthServerThrottling``), the AS's ``Retry-After`` if that is longer.
* One attempt at a time, even while the authorization server hangs: threads that waited
  for an attempt get its outcome (its token, or its failure) instead of making their own;
  while an early refresh is under way, the others keep using the still-valid token.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class AuthServerUnavailable(Exception):
    """No usable token and the authorization server could not be reached."""


class AuthServerThrottling(AuthServerUnavailable):
    """The token endpoint answered 429: no new attempt before ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenRefused(Exception):
    """The authorization server answered, and refused us (bad credentials, scope...)."""


@dataclass(frozen=True)
class CachedToken:
    value: str
    expires_at: float


class TokenCache:
    def __init__(
        self,
        fetch: Callable[[], tuple[str, int]],
        margin: float = 60,
        retry_after: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        on_fetch: Callable[[], None] | None = None,
    ) -> None:
        self._fetch = fetch  # returns (access_token, expires_in)
        self._margin = margin
        self._retry_after = retry_after
        self._clock = clock
        self._on_fetch = on_fetch
        self._lock = threading.Lock()
        self._token: CachedToken | None = None
        self._failed_at = float("-inf")
        self._failure = "the authorization server was unreachable moments ago"
        self._pause = retry_after  # after a 429, the AS's own Retry-After if longer

    def get(self) -> str:
        token = self._fresh()
        if token:
            return token.value
        if not self._lock.acquire(blocking=False):
            # Another thread is fetching. A token that has not expired yet serves this call;
            # without one, wait for that attempt's outcome rather than starting a second.
            valid = self._still_valid(self._clock())
            if valid:
                return valid.value
            self._lock.acquire()
        try:
            token = self._fresh()  # another thread may have fetched while we waited
            if token:
                return token.value
            return self._refresh().value
        finally:
            self._lock.release()

    def invalidate(self, value: str) -> None:
        """Forget ``value`` if it is still the cached token (a 401 said it is no good)."""
        with self._lock:
            if self._token and self._token.value == value:
                self._token = None
                self._failed_at = float("-inf")

    def _fresh(self) -> CachedToken | None:
        token = self._token
        if token and self._clock() < token.expires_at - self._margin:
            return token
        return None

    def _still_valid(self, now: float) -> CachedToken | None:
        token = self._token
        return token if token and now < token.expires_at else None

    def _refresh(self) -> CachedToken:
        now = self._clock()
        still_valid = self._still_valid(now)
        if now - self._failed_at < self._pause:
            if still_valid:
                return still_valid
            if self._pause > self._retry_after:
                left = max(1, math.ceil(self._pause - (now - self._failed_at)))
                raise AuthServerThrottling(self._failure, left)
            raise AuthServerUnavailable(self._failure)
        try:
            value, expires_in = self._fetch()
        except AuthServerUnavailable as exc:
            # The pause runs from the end of the failed attempt: an attempt that hung for the
            # whole fetch timeout must not leave the next one free to start at once.
            self._failed_at = self._clock()
            self._failure = str(exc)
            # An AS that says when to come back (429 Retry-After) is asked no sooner.
            self._pause = max(self._retry_after, getattr(exc, "retry_after", 0))
            if still_valid:
                return still_valid
            raise
        if self._on_fetch:
            self._on_fetch()
        # Count expiry from before the request went out, so we never overestimate it.
        self._token = CachedToken(value, now + expires_in)
        return self._token
