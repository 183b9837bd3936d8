"""RFC 9068 / RFC 7515 / RFC 7519 details PyJWT lets through (issue 11, the "strict" row).

Each token is a real signature by the trusted issuer, so only the rule under test refuses it.
"""

from __future__ import annotations

import time

import pytest

from inventory_service import create_app

from .conftest import RESOURCE, Api
from .test_bearer_tokens import assert_invalid_token


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
