"""An authorization server answering 429 is throttling Order, not refusing its credentials.

A real HTTP socket: RFC 8414 metadata, and a token endpoint that answers as our AS does
once a client id's failure budget is spent (429, ``Retry-After``, RFC 6749 §5.2 JSON).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from order_service.config import OAuthSettings
from order_service.oauth_client import ClientCredentials
from order_service.placement import Placement
from order_service.token_cache import AuthServerThrottling, TokenCache


class ThrottlingAS:
    def __init__(self, retry_after: str) -> None:
        self.token_requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                issuer = f"http://127.0.0.1:{self.server.server_port}"
                self._send(200, {"issuer": issuer, "token_endpoint": f"{issuer}/oauth/token"})

            def do_POST(self):
                outer.token_requests += 1
                self.rfile.read(int(self.headers["Content-Length"]))
                self._send(
                    429,
                    {"error": "temporarily_unavailable", "error_description": "retry later"},
                    {"Retry-After": retry_after},
                )

            def _send(self, status, body, extra=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def throttling_as():
    server = ThrottlingAS("30")
    yield server
    server.server.shutdown()


def _credentials(url: str) -> ClientCredentials:
    return ClientCredentials(
        OAuthSettings(
            issuer=url,
            client_id="order-service",
            resource="http://inventory.test",
            scope="inventory:write",
            client_secret="s",
        )
    )


def test_a_429_from_the_token_endpoint_is_throttling_with_its_retry_after(throttling_as):
    with pytest.raises(AuthServerThrottling) as caught:
        _credentials(throttling_as.url).fetch()
    assert caught.value.retry_after == 30
    assert "throttling" in str(caught.value)


def test_the_token_cache_asks_no_sooner_than_the_retry_after(throttling_as):
    now = [1000.0]
    cache = TokenCache(_credentials(throttling_as.url).fetch, clock=lambda: now[0])
    for advance in (0, 5, 20):  # well past the cache's own 2 s pause, within the 30 s
        now[0] += advance
        with pytest.raises(AuthServerThrottling) as caught:
            cache.get()
    assert throttling_as.token_requests == 1
    assert caught.value.retry_after == 5  # what is left of the AS's 30 s
    now[0] += 6
    with pytest.raises(AuthServerThrottling):
        cache.get()
    assert throttling_as.token_requests == 2


class _Orders:
    def new_id(self):
        return "order-1"


class _Intents:
    def begin(self, order_id, sku, quantity):
        self.begun = order_id

    def let_go(self, order_id):
        self.released = order_id


class _Inventory:
    def __init__(self, cache: TokenCache) -> None:
        self.cache = cache

    def reserve(self, order_id, sku, quantity):
        self.cache.get()


def test_an_order_meets_a_throttling_as_with_503_and_its_retry_after(throttling_as):
    cache = TokenCache(_credentials(throttling_as.url).fetch)
    intents = _Intents()
    placement = Placement(orders=_Orders(), intents=intents, inventory=_Inventory(cache))
    answer = placement.place("SKU-1", 1)
    assert answer.status == 503
    assert answer.headers == {"Retry-After": "30"}
    assert answer.body["title"] == "Authorization server is throttling Order"
    assert intents.released == "order-1"  # no order is left half-made
