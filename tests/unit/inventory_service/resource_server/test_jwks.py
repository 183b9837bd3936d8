"""The issuer's keys: fetched once, refetched on an unknown kid per cooldown, withdrawn on time.

Here the clock is moved instead of waited for: the JWKS copy's age is on the monotonic clock.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import inventory_service.resource_server.tokens as tokens_module
from inventory_service import create_app

from ..api_client import RESOURCE, Api


@pytest.fixture
def clock(monkeypatch):
    """Move the monotonic clock forward by ``clock.advance(seconds)``."""

    class Clock:
        offset = 0.0
        real = tokens_module.time.monotonic

        def advance(self, seconds: float) -> None:
            self.offset += seconds

    c = Clock()
    monkeypatch.setattr(tokens_module.time, "monotonic", lambda: Clock.real() + c.offset)
    return c


def _steal_and_withdraw(issuer) -> tuple[str, object]:
    """The AS rotates and pulls the old key, which the attacker keeps."""
    stolen_kid = issuer.kid
    _, stolen_private = issuer.keys[stolen_kid]
    issuer.rotate()
    issuer.drop_key(stolen_kid)
    return stolen_kid, stolen_private


def test_a_withdrawn_key_is_refused_once_the_jwks_is_older_than_the_as_max_age(api, issuer, clock):
    # Data-plane calls: judged on the JWT and the JWKS alone (admin tokens are also
    # introspected, see test_admin_token_introspection.py).
    issuer.jwks_cache_control = "public, max-age=60"
    cached = api.token()
    assert api.get("/inventory", token=cached).status_code == 200
    stolen_kid, stolen_private = _steal_and_withdraw(issuer)
    forged = issuer.mint(RESOURCE, headers={"kid": stolen_kid}, key=stolen_private)
    fetches = issuer.jwks_fetches

    clock.advance(59)  # still within the AS's max-age: the known exposure window
    assert api.get("/inventory", token=forged).status_code == 200
    assert issuer.jwks_fetches == fetches

    clock.advance(2)
    first = api.get("/inventory", token=cached)  # a cache hit, yet refused
    assert issuer.jwks_fetches == fetches + 1  # the age refresh, not an unknown kid
    for resp in (first, api.get("/inventory", token=forged)):
        assert resp.status_code == 401
        assert resp.get_json()["error"] == "invalid_token"
    assert api.get("/inventory", token=api.token()).status_code == 200  # the new key works


def test_the_as_max_age_is_capped_by_inventory_jwks_max_age(settings, issuer, clock):
    issuer.jwks_cache_control = "max-age=3600"
    api = Api(create_app({**settings, "jwks_max_age": "120"}), issuer)
    assert api.get("/inventory", token=api.token()).status_code == 200
    clock.advance(119)
    assert api.get("/inventory", token=api.token()).status_code == 200
    assert issuer.jwks_fetches == 1
    clock.advance(2)
    assert api.get("/inventory", token=api.token()).status_code == 200
    assert issuer.jwks_fetches == 2


def test_without_cache_control_the_jwks_lives_inventory_jwks_max_age(settings, issuer, clock):
    api = Api(create_app({**settings, "jwks_max_age": "30"}), issuer)
    token = api.token()
    for _ in range(50):  # steady state: no fetch per request
        assert api.get("/inventory", token=token).status_code == 200
    assert issuer.jwks_fetches == 1
    clock.advance(31)
    assert api.get("/inventory", token=token).status_code == 200
    assert issuer.jwks_fetches == 2


def test_no_store_still_never_means_a_fetch_per_request(api, issuer):
    issuer.jwks_cache_control = "no-store"
    for _ in range(30):
        assert api.get("/inventory", token=api.token()).status_code == 200
    assert issuer.jwks_fetches <= 2  # at most one per MIN_JWKS_AGE second


def test_a_failed_age_refresh_keeps_the_keys_and_is_not_retried_per_request(api, issuer, clock):
    token = api.token()
    assert api.get("/inventory", token=token).status_code == 200
    issuer.failing = True
    clock.advance(301)
    for _ in range(10):
        assert api.get("/inventory", token=token).status_code == 200
    issuer.failing = False
    assert issuer.jwks_fetches == 1  # failed attempts are not counted as fetches by the issuer


def test_a_verification_in_flight_when_a_key_leaves_cannot_refill_the_cache(
    api, issuer, clock, monkeypatch
):
    """A token without ``kid`` (allowed while the JWKS holds one key) signed by the old key.

    While its signature is being checked, the AS swaps its only key and Inventory's JWKS
    refresh removes the old one. The token was accepted for that one request, but must not
    be remembered: the next request has to verify it against the new key, and fail.
    """
    assert api.get("/inventory", token=api.token()).status_code == 200
    old = issuer.mint(RESOURCE, headers={"kid": None}, sub="order-service")
    validator = api.app.extensions["authenticator"].tokens
    verify = validator._verify

    def verify_while_the_key_leaves(token: str):
        claims = verify(token)
        _steal_and_withdraw(issuer)
        clock.advance(301)
        validator.jwks.refresh_if_stale()
        return claims

    monkeypatch.setattr(validator, "_verify", verify_while_the_key_leaves)
    assert api.get("/inventory", token=old).status_code == 200  # in flight: accepted once
    monkeypatch.setattr(validator, "_verify", verify)

    resp = api.get("/inventory", token=old)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_token"


def test_jwks_is_fetched_once_in_steady_state(api, issuer):
    for _ in range(20):
        assert api.get("/inventory", token=api.token()).status_code == 200
    assert issuer.jwks_fetches == 1


def test_an_unknown_kid_refetches_at_most_once_per_cooldown(settings, issuer):
    api = Api(create_app({**settings, "jwks_cooldown": "60"}), issuer)
    api.get("/inventory", token=api.token())
    attacker = ec.generate_private_key(ec.SECP256R1())
    for i in range(10):
        resp = api.get(
            "/inventory", token=issuer.mint(RESOURCE, headers={"kid": f"forged-{i}"}, key=attacker)
        )
        assert resp.status_code == 401
    assert issuer.jwks_fetches == 1  # first fetch only: the cooldown holds the forged kids off


def test_a_rotated_issuer_key_is_picked_up_through_the_unknown_kid_path(api, issuer):
    assert api.get("/inventory", token=api.token()).status_code == 200
    issuer.rotate()
    assert api.get("/inventory", token=api.token()).status_code == 200
    assert issuer.jwks_fetches == 2


def test_a_failed_refresh_keeps_the_last_good_keys(api, issuer):
    old_kid = issuer.kid
    assert api.get("/inventory", token=api.token()).status_code == 200
    issuer.failing = True
    issuer.rotate()
    assert api.get("/inventory", token=api.token()).status_code == 503  # new kid, JWKS down
    issuer.kid = old_kid  # a new token under the old, still-known key
    assert api.get("/inventory", token=api.token()).status_code == 200


def test_a_key_removed_from_the_jwks_stops_its_cached_tokens(api, issuer):
    old_kid = issuer.kid
    token = api.token()
    assert api.get("/inventory", token=token).status_code == 200  # now cached as valid
    issuer.rotate()
    issuer.drop_key(old_kid)
    assert api.get("/inventory", token=api.token()).status_code == 200  # refresh drops old kid
    assert api.get("/inventory", token=token).status_code == 401


def test_threads_missing_the_key_at_once_share_one_fetch(api, issuer):
    import threading

    token, codes = api.token(), []
    threads = [
        threading.Thread(
            target=lambda: codes.append(api.get("/inventory", token=token).status_code)
        )
        for _ in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 16
    assert issuer.jwks_fetches == 1
