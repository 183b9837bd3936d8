"""``validate_cached``: the cache's answer without blocking, for the MCP gate's event loop.

It must give exactly ``validate``'s answer when the cache can (the claims, or the refusal
of an expired token), and otherwise say "ask ``validate``" (None) without ever verifying a
signature or fetching the JWKS itself.
"""

from __future__ import annotations

import pytest

from inventory_service.config import PREFIX
from inventory_service.resource_server.policy import TokenPolicy
from inventory_service.resource_server.tokens import InvalidToken, TokenValidator
from service_kit.settings import Environment

from ..api_client import RESOURCE


@pytest.fixture
def validator(issuer):
    raw = Environment(PREFIX, {"jwks_cooldown": "0"})
    return TokenValidator(policy=TokenPolicy.load(raw, issuer=issuer.issuer, audience=RESOURCE))


def test_a_token_never_validated_is_left_to_validate_without_a_fetch(validator, issuer):
    fetches = issuer.jwks_fetches
    assert validator.validate_cached(issuer.mint(RESOURCE)) is None
    assert issuer.jwks_fetches == fetches


def test_a_token_validated_before_is_answered_from_the_cache(validator, issuer):
    token = issuer.mint(RESOURCE)
    claims = validator.validate(token)
    fetches = issuer.jwks_fetches
    assert validator.validate_cached(token) == claims
    assert issuer.jwks_fetches == fetches


def test_a_cached_token_that_expired_is_refused(validator, issuer, monkeypatch):
    token = issuer.mint(RESOURCE)
    claims = validator.validate(token)
    import inventory_service.resource_server.tokens as tokens

    later = claims.exp + validator.policy.leeway + 1
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(InvalidToken, match="expired"):
        validator.validate_cached(token)


def test_keys_due_for_a_refresh_send_the_token_to_validate(validator, issuer, monkeypatch):
    token = issuer.mint(RESOURCE)
    validator.validate(token)
    fetches = issuer.jwks_fetches
    monkeypatch.setattr(validator.jwks, "_stale_at", float("-inf"))
    assert validator.validate_cached(token) is None  # the refresh is validate's, off the loop
    assert issuer.jwks_fetches == fetches
