"""Bearer token validation: hostile tokens, the strict RFC 9068 / 7515 / 7519 format, the cache.

Each refusal asserts the exact status and WWW-Authenticate header (RFC 6750 §3). PyJWT lets
some details through (string dates, padding, non-canonical base64url); they are refused here.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from inventory_service import create_app

from ..api_client import RESOURCE, Api, assert_invalid_token


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none_is_refused(api, issuer):
    header = b64({"alg": "none", "typ": "at+jwt", "kid": issuer.kid})
    token = f"{header}.{b64(issuer.claims(RESOURCE))}."
    assert_invalid_token(api.get("/inventory", token=token))


def test_hs256_signed_with_the_public_key_is_refused(api, issuer):
    payload = f"{b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': issuer.kid})}.{b64(issuer.claims(RESOURCE))}"
    import hashlib
    import hmac

    sig = hmac.new(issuer.public_pem(), payload.encode(), hashlib.sha256).digest()
    token = payload + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()
    assert_invalid_token(api.get("/inventory", token=token))


def test_an_embedded_jwk_header_is_not_trusted(api, issuer):
    attacker = ec.generate_private_key(ec.SECP256R1())
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(attacker.public_key(), as_dict=True)
    token = issuer.mint(RESOURCE, headers={"jwk": jwk}, key=attacker)
    assert_invalid_token(api.get("/inventory", token=token))


def test_a_jku_header_is_not_followed(api, issuer):
    attacker = ec.generate_private_key(ec.SECP256R1())
    token = issuer.mint(
        RESOURCE, headers={"jku": "http://127.0.0.1:1/evil-jwks", "kid": "evil"}, key=attacker
    )
    fetches = issuer.jwks_fetches
    assert_invalid_token(api.get("/inventory", token=token))
    assert issuer.jwks_fetches == fetches + 1  # only the real JWKS was asked, for the unknown kid


def test_an_unknown_kid_is_refused(api, issuer):
    attacker = ec.generate_private_key(ec.SECP256R1())
    assert_invalid_token(
        api.get("/inventory", token=issuer.mint(RESOURCE, headers={"kid": "nope"}, key=attacker))
    )


def test_a_forged_signature_is_refused(api, issuer):
    attacker = ec.generate_private_key(ec.SECP256R1())
    assert_invalid_token(api.get("/inventory", token=issuer.mint(RESOURCE, key=attacker)))


@dataclass(frozen=True)
class FromNow:
    """A NumericDate this many seconds from the moment the test runs."""

    seconds: int


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "http://evil.test"},
        {"aud": "http://other-resource.test"},
        {"aud": ["http://other-resource.test"]},
        {"exp": FromNow(-120)},
        {"nbf": FromNow(600)},
        {"iat": FromNow(600)},
        {"client_id": None},
        {"jti": None},
        {"exp": None},
        {"iat": None},
        {"client_id": 42},
        {"scope": ["inventory:read"]},
        {"exp": "tomorrow"},
    ],
    ids=[
        "iss",
        "aud",
        "aud-list",
        "expired",
        "nbf",
        "iat-future",
        "no-client_id",
        "no-jti",
        "no-exp",
        "no-iat",
        "client_id-int",
        "scope-list",
        "exp-string",
    ],
)
def test_bad_claims_are_invalid_token(api, issuer, claims):
    # Times are taken when the test runs, not when pytest collects it (minutes earlier in
    # a full run, which would turn "10 minutes ahead" into the past).
    claims = {
        k: int(time.time()) + v.seconds if isinstance(v, FromNow) else v for k, v in claims.items()
    }
    assert_invalid_token(api.get("/inventory", token=issuer.mint(RESOURCE, **claims)))


def test_audience_may_be_a_list_that_contains_the_resource(api, issuer):
    resp = api.get("/inventory", token=issuer.mint(RESOURCE, aud=["http://x.test", RESOURCE]))
    assert resp.status_code == 200


def test_small_clock_skew_is_tolerated(api, issuer):
    resp = api.get("/inventory", token=issuer.mint(RESOURCE, exp=int(time.time()) - 5))
    assert resp.status_code == 200


@pytest.mark.parametrize("typ", [None, "JWT", "jwt", "id_token", "at+JWT+x"])
def test_typ_must_be_at_jwt(api, issuer, typ):
    assert_invalid_token(api.get("/inventory", token=issuer.mint(RESOURCE, headers={"typ": typ})))


def test_typ_may_use_the_full_media_type(api, issuer):
    resp = api.get("/inventory", token=issuer.mint(RESOURCE, headers={"typ": "application/at+jwt"}))
    assert resp.status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "a.b.c",
        "e30.e30.e30",
        "eyJhbGciOiJFUzI1NiJ9..",
        "x" * 9000,
        "....",
        "ey" + "A" * 100 + ".x.y",
    ],
)
def test_garbage_tokens_are_invalid_token(api, token):
    assert_invalid_token(api.get("/inventory", token=token))


def _refusal(resp) -> str:
    assert_invalid_token(resp)
    return resp.get_json()["error_description"]


def test_a_token_without_sub_is_refused(api, issuer):
    token = issuer.mint(RESOURCE, sub=None)
    assert _refusal(api.get("/inventory", token=token)) == "The token lacks the 'sub' claim."


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_a_numeric_string_date_is_refused(api, issuer, claim):
    now = int(time.time())
    value = {"exp": now + 300, "iat": now, "nbf": now}[claim]
    token = issuer.mint(RESOURCE, **{claim: str(value)})
    assert "JSON numbers" in _refusal(api.get("/inventory", token=token))


def test_a_fractional_exp_is_a_json_number_and_accepted(api, issuer):
    token = issuer.mint(RESOURCE, exp=time.time() + 300.5)
    assert api.get("/inventory", token=token).status_code == 200


def test_padding_inside_the_token_is_a_malformed_request(api, issuer):
    # RFC 6750 §2.1 b64token allows "=" only at the end: the header itself is malformed.
    head, payload, signature = issuer.mint(RESOURCE).split(".")
    resp = api.get("/inventory", token=f"{head}==.{payload}.{signature}")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_request"
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_request"')


def test_padding_on_a_signature_that_needs_it_is_refused(api, issuer):
    # An ES256 signature is 64 bytes: 86 base64url characters, "==" when padded.
    token = issuer.mint(RESOURCE)
    assert len(token.split(".")[2]) == 86
    assert "base64url" in _refusal(api.get("/inventory", token=token + "=="))


def test_non_canonical_trailing_bits_are_refused(api, issuer):
    token = issuer.mint(RESOURCE)
    head, signature = token.rsplit(".", 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 86 chars carry 516 bits for 512: the last character's low 4 bits must be zero.
    last = alphabet.index(signature[-1])
    tampered = signature[:-1] + alphabet[last | 0b0001]
    assert tampered != signature
    assert "base64url" in _refusal(api.get("/inventory", token=f"{head}.{tampered}"))


def test_characters_outside_base64url_are_refused(api, issuer):
    token = issuer.mint(RESOURCE)
    head, signature = token.rsplit(".", 1)
    sneaky = signature[:10] + "+" + signature[10:]  # Python's decoder would skip it
    assert "base64url" in _refusal(api.get("/inventory", token=f"{head}.{sneaky}"))


def test_a_token_living_longer_than_the_maximum_is_refused(settings, issuer):
    api = Api(create_app({**settings, "max_token_lifetime": "3600"}), issuer)
    now = int(time.time())
    too_long = issuer.mint(RESOURCE, iat=now, exp=now + 3601)
    assert _refusal(api.get("/inventory", token=too_long)) == "The token lives longer than 3600 s."
    just_right = issuer.mint(RESOURCE, iat=now, exp=now + 3600)
    assert api.get("/inventory", token=just_right).status_code == 200


def test_the_default_maximum_lifetime_is_a_day(api, issuer):
    now = int(time.time())
    ten_years = issuer.mint(RESOURCE, iat=now, exp=now + 10 * 365 * 86400)
    assert (
        _refusal(api.get("/inventory", token=ten_years)) == "The token lives longer than 86400 s."
    )


def test_a_cached_token_still_expires(settings, issuer, monkeypatch):
    import inventory_service.resource_server.tokens as tokens_module

    api = Api(create_app({**settings, "jwt_leeway": "0"}), issuer)
    token = api.token()
    assert api.get("/inventory", token=token).status_code == 200
    real = tokens_module.time.time
    monkeypatch.setattr(tokens_module.time, "time", lambda: real() + 301)
    resp = api.get("/inventory", token=token)
    assert (
        resp.status_code == 401 and resp.get_json()["error_description"] == "The token has expired."
    )


def test_a_cached_token_still_obeys_scopes_and_flags(api):
    token = api.token(scope="inventory:read")
    assert api.get("/inventory", token=token).status_code == 200
    assert (
        api.post(
            "/inventory/WIDGET-1/reservations", {"order_id": "s", "quantity": 1}, token=token
        ).status_code
        == 403
    )
    api.set_mode("api_key", client_id="order-service")
    assert api.get("/inventory", token=token).status_code == 401


def test_tokens_from_another_rfc9068_issuer_are_accepted(tmp_path):
    """Nothing depends on our AS: an RS256 issuer with only the RFC 9068 claims works."""
    from tests.support.issuer import TestIssuer

    other = TestIssuer(alg="RS256")
    try:
        app = create_app({"issuer": other.issuer, "resource": RESOURCE, "data_dir": str(tmp_path)})
        token = other.mint(RESOURCE, sub="partner", client_id="partner", scope="inventory:read")
        resp = app.test_client().get("/inventory", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200
    finally:
        other.close()
