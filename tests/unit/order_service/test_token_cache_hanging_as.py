"""The token cache against an authorization server that accepts connections and never answers.

A real listening socket, offline: the fetch goes through ``ClientCredentials`` and requests,
so the timeout, the single flight and the pause after a failure are the production ones.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from order_service import oauth_client
from order_service.config import OAuthSettings
from order_service.oauth_client import ClientCredentials
from order_service.token_cache import AuthServerUnavailable, TokenCache
from service_kit.discovery import metadata_urls

FETCH_TIMEOUT = 0.25


class HangingAS:
    """Accepts every connection, reads nothing, answers nothing; counts connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self._closed = True
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def hanging_as(monkeypatch):
    monkeypatch.setattr(oauth_client, "TIMEOUT", FETCH_TIMEOUT)
    server = HangingAS()
    yield server
    server.close()


def cache_for(server: HangingAS, retry_after: float) -> TokenCache:
    settings = OAuthSettings(
        issuer=server.url,
        client_id="order-service",
        resource="http://inventory.test",
        scope="inventory:write",
        client_secret="s",
    )
    return TokenCache(ClientCredentials(settings).fetch, retry_after=retry_after)


def connections_per_attempt(server: HangingAS) -> int:
    """One fetch attempt asks each metadata URL in turn (each hangs until the timeout)."""
    return len(metadata_urls(server.url))


def get_all(cache: TokenCache, threads: int) -> list[tuple[str, float]]:
    """``threads`` callers at once; each result is (outcome, seconds until it came back)."""
    barrier = threading.Barrier(threads)
    results: list[tuple[str, float]] = []

    def call() -> None:
        barrier.wait()
        started = time.monotonic()
        try:
            outcome = cache.get()
        except AuthServerUnavailable as exc:
            outcome = f"unavailable: {exc}"
        results.append((outcome, time.monotonic() - started))

    workers = [threading.Thread(target=call) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return results


def test_threads_waiting_on_a_hanging_as_share_one_attempt_and_its_failure(hanging_as):
    cache = cache_for(hanging_as, retry_after=2.0)
    results = get_all(cache, threads=4)
    per_attempt = connections_per_attempt(hanging_as)
    assert len(hanging_as.connections) == per_attempt
    outcomes = {outcome for outcome, _ in results}
    assert len(outcomes) == 1  # the waiters got the failure of that one attempt
    assert outcomes.pop().startswith("unavailable: the AS metadata could not be fetched")
    # Everyone answers at the end of the one attempt, not one attempt after another.
    assert max(elapsed for _, elapsed in results) < (per_attempt + 1) * FETCH_TIMEOUT


def test_the_pause_after_a_hung_fetch_is_counted_from_its_end(hanging_as):
    pause = 1.0
    cache = cache_for(hanging_as, retry_after=pause)
    ((_, attempt),) = get_all(cache, threads=1)  # one attempt that hung to its timeouts
    per_attempt = connections_per_attempt(hanging_as)
    assert attempt >= per_attempt * FETCH_TIMEOUT * 0.9
    # Now: longer than the pause after the attempt's start, within the pause after its end.
    time.sleep(max(0.0, pause - attempt) + 0.25)
    started = time.monotonic()
    with pytest.raises(AuthServerUnavailable):
        cache.get()
    assert time.monotonic() - started < 0.1
    assert len(hanging_as.connections) == per_attempt
    time.sleep(pause)  # the pause is over: one new attempt, shared by three threads
    get_all(cache, threads=3)
    assert len(hanging_as.connections) == 2 * per_attempt
