"""The token cache, on a fake clock: margin, single flight, 401 refresh, AS outage."""

import threading
import time

import pytest

from order_service.token_cache import AuthServerUnavailable, TokenCache


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class FakeAS:
    """Counts fetches; can be slow (to pile threads up) or down."""

    def __init__(self, ttl=300, delay=0.0):
        self.ttl, self.delay, self.down, self.fetches = ttl, delay, False, 0
        self._lock = threading.Lock()

    def __call__(self):
        if self.delay:
            time.sleep(self.delay)
        if self.down:
            raise AuthServerUnavailable("connection refused")
        with self._lock:
            self.fetches += 1
            return f"token-{self.fetches}", self.ttl


@pytest.fixture
def clock():
    return Clock()


def test_a_token_is_reused_until_the_margin_before_expiry(clock):
    auth = FakeAS(ttl=300)
    cache = TokenCache(auth, margin=60, clock=clock)
    assert cache.get() == "token-1"
    clock.now += 239
    assert cache.get() == "token-1"
    clock.now += 1  # 240 s in: inside the 60 s margin
    assert cache.get() == "token-2"
    assert auth.fetches == 2


def test_sixteen_threads_needing_a_token_cause_exactly_one_fetch(clock):
    auth = FakeAS(delay=0.2)
    cache = TokenCache(auth, clock=clock)
    barrier = threading.Barrier(16)
    results = []

    def worker():
        barrier.wait()
        results.append(cache.get())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert auth.fetches == 1
    assert results == ["token-1"] * 16


def test_invalidate_forces_one_new_fetch(clock):
    auth = FakeAS()
    cache = TokenCache(auth, clock=clock)
    first = cache.get()
    cache.invalidate(first)
    assert cache.get() == "token-2"
    cache.invalidate(first)  # a stale 401 for the old token does not drop the new one
    assert cache.get() == "token-2"
    assert auth.fetches == 2


def test_a_still_valid_token_keeps_working_while_the_as_is_down(clock):
    auth = FakeAS(ttl=300)
    cache = TokenCache(auth, margin=60, clock=clock)
    assert cache.get() == "token-1"
    auth.down = True
    clock.now += 280  # inside the margin, not yet expired
    assert cache.get() == "token-1"
    clock.now += 19
    assert cache.get() == "token-1"
    clock.now += 1  # now really expired
    with pytest.raises(AuthServerUnavailable):
        cache.get()


def test_without_a_token_an_outage_is_reported(clock):
    auth = FakeAS()
    auth.down = True
    cache = TokenCache(auth, clock=clock)
    with pytest.raises(AuthServerUnavailable):
        cache.get()


def test_after_a_failed_fetch_retries_wait_a_moment(clock):
    auth = FakeAS()
    auth.down = True
    cache = TokenCache(auth, retry_after=2.0, clock=clock)
    attempts = []
    original = auth.__call__

    def counting():
        attempts.append(clock.now)
        return original()

    cache._fetch = counting
    for _ in range(5):
        with pytest.raises(AuthServerUnavailable):
            cache.get()
    assert len(attempts) == 1
    clock.now += 2.0
    auth.down = False
    assert cache.get() == "token-1"


def test_each_fetch_is_reported_for_metrics(clock):
    fetched = []
    cache = TokenCache(FakeAS(ttl=100), margin=10, clock=clock, on_fetch=lambda: fetched.append(1))
    cache.get()
    cache.get()
    clock.now += 95
    cache.get()
    assert len(fetched) == 2


def test_while_an_early_refresh_hangs_other_threads_keep_the_still_valid_token(clock):
    auth = FakeAS(ttl=300)
    cache = TokenCache(auth, margin=60, clock=clock)
    assert cache.get() == "token-1"
    clock.now += 250  # inside the margin: the next get refreshes early
    auth.delay = 0.5
    refresher = threading.Thread(target=cache.get)
    refresher.start()
    time.sleep(0.1)  # the refresher now holds the fetch
    started = time.monotonic()
    assert cache.get() == "token-1"
    assert time.monotonic() - started < 0.1  # did not queue behind the fetch
    refresher.join()
    assert cache.get() == "token-2"
