"""One token policy: every setting reaches the REST API and the MCP server alike.

Both are built by their own app factories from one set of settings, as ``make up`` does;
each test sets one policy setting and shows that both servers obey it, by behaviour.
"""

from __future__ import annotations

import time
from dataclasses import replace

import jwt
import pytest

import inventory_service.resource_server.tokens as tokens_module
from inventory_service import create_app
from inventory_service.config import Settings
from inventory_service.mcp.app import create_app as create_mcp_app
from inventory_service.mcp.settings import McpSettings

from ..api_client import RESOURCE
from ..mcp.gate_client import LIST, Recorder, bearer, call

MCP_URL = "http://mcp.test:9003/mcp"


class Both:
    """The REST API and the MCP gate on one data dir, trusting one issuer."""

    def __init__(self, settings: dict, issuer, **policy: str) -> None:
        config = {**settings, **policy, "mcp_resource": MCP_URL}
        self.rest = create_app(config).test_client()
        self.mcp = create_mcp_app(config)
        self.mcp.app = Recorder()  # the SDK behind the gate is not under test here
        self.issuer = issuer

    def mint(self, **claims) -> tuple[str, str]:
        """The same token twice: one for each server's audience."""
        who = {"client_id": "order-service", "sub": "order-service", **claims}
        return self.issuer.mint(RESOURCE, **who), self.issuer.mint(MCP_URL, **who)

    def statuses(self, tokens: tuple[str, str]) -> tuple[int, int]:
        rest_token, mcp_token = tokens
        rest = self.rest.get("/inventory", headers=bearer(rest_token)).status_code
        mcp, _, _ = call(self.mcp, LIST, bearer(mcp_token))
        return rest, mcp


@pytest.fixture
def clock(monkeypatch):
    """Move the monotonic clock (the JWKS copy's age) with ``clock.advance(seconds)``."""

    class Clock:
        offset = 0.0

        def advance(self, seconds: float) -> None:
            self.offset += seconds

    c = Clock()
    real = tokens_module.time.monotonic
    monkeypatch.setattr(tokens_module.time, "monotonic", lambda: real() + c.offset)
    return c


def test_both_servers_hold_the_same_policy_but_for_the_audience(settings):
    config = {
        **settings,
        "mcp_resource": MCP_URL,
        "jwt_leeway": "7",
        "jwks_cooldown": "11",
        "jwks_max_age": "13",
        "max_token_lifetime": "600",
        "token_cache_size": "17",
    }
    rest, mcp = Settings.load(config).token_policy, McpSettings.load(config).token_policy
    assert rest.audience == RESOURCE and mcp.audience == MCP_URL
    assert mcp == replace(rest, audience=MCP_URL)
    assert (rest.leeway, rest.jwks_cooldown, rest.jwks_max_age) == (7, 11, 13)
    assert (rest.max_lifetime, rest.cache_size) == (600, 17)


def test_a_token_over_the_lifetime_cap_is_refused_by_both(settings, issuer):
    both = Both(settings, issuer, max_token_lifetime="600")
    now = int(time.time())
    assert both.statuses(both.mint(iat=now, exp=now + 900)) == (401, 401)
    assert both.statuses(both.mint(iat=now, exp=now + 500)) == (200, 200)


def test_the_clock_skew_allowance_is_the_same_for_both(settings, issuer):
    now = int(time.time())
    expired_a_little = {"iat": now - 100, "exp": now - 10}
    strict = Both(settings, issuer, jwt_leeway="0")
    assert strict.statuses(strict.mint(**expired_a_little)) == (401, 401)
    lenient = Both(settings, issuer, jwt_leeway="60")
    assert lenient.statuses(lenient.mint(**expired_a_little)) == (200, 200)


def test_both_refetch_the_jwks_once_it_is_older_than_the_max_age(settings, issuer, clock):
    both = Both(settings, issuer, jwks_max_age="2")
    old = both.mint()
    assert both.statuses(old) == (200, 200)
    withdrawn = issuer.kid
    issuer.rotate()
    issuer.drop_key(withdrawn)
    assert both.statuses(old) == (200, 200)  # within the max-age: the known exposure window
    fetches = issuer.jwks_fetches
    clock.advance(3)
    assert both.statuses(old) == (401, 401)
    assert issuer.jwks_fetches == fetches + 2  # one refetch per server


def test_both_wait_out_the_cooldown_before_fetching_for_an_unknown_kid(settings, issuer, clock):
    both = Both(settings, issuer, jwks_cooldown="60")
    assert both.statuses(both.mint()) == (200, 200)
    issuer.rotate()  # tokens now name a kid the servers have not fetched yet
    fresh = both.mint()
    assert both.statuses(fresh) == (401, 401)
    clock.advance(61)
    assert both.statuses(fresh) == (200, 200)


def test_both_remember_as_many_validated_tokens_as_the_cache_size(settings, issuer, monkeypatch):
    verified: list[str] = []
    real_decode = jwt.decode

    def counting_decode(token, *args, **kwargs):
        verified.append(token)
        return real_decode(token, *args, **kwargs)

    monkeypatch.setattr(tokens_module.jwt, "decode", counting_decode)
    both = Both(settings, issuer, token_cache_size="1")
    a, b = both.mint(), both.mint()
    for tokens in (a, a, b, a):  # b pushes a out of a one-token cache
        assert both.statuses(tokens) == (200, 200)
    assert verified.count(a[0]) == 2 and verified.count(a[1]) == 2
    verified.clear()
    off = Both(settings, issuer, token_cache_size="0")
    c = off.mint()
    for _ in range(3):
        assert off.statuses(c) == (200, 200)
    assert verified.count(c[0]) == 3 and verified.count(c[1]) == 3
