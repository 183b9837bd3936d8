"""Bearer token validation, including a battery of hostile tokens.

Each refusal asserts the exact status and WWW-Authenticate header (RFC 6750 §3).
"""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from .conftest import METADATA_URL, RESOURCE

INVALID = f'Bearer error="invalid_token", resource_metadata="{METADATA_URL}"'


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_invalid_token(resp):
    assert resp.status_code == 401, resp.get_json()
    assert resp.headers["WWW-Authenticate"] == INVALID
    assert resp.get_json()["error"] == "invalid_token"


def test_a_valid_token_reads_stock(api):
    resp = api.get("/inventory/WIDGET-1", token=api.token())
    assert resp.status_code == 200
    assert resp.get_json()["sku"] == "WIDGET-1"
    assert "Deprecation" not in resp.headers


def test_no_credentials_gets_a_bare_bearer_challenge(api):
    resp = api.get("/inventory")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{METADATA_URL}"'


def test_missing_scope_is_insufficient_scope_with_the_scope_named(api):
    resp = api.post(
        "/inventory/WIDGET-1/reservations",
        {"order_id": "o-1", "quantity": 1},
        token=api.token(scope="inventory:read"),
    )
    assert resp.status_code == 403
    assert resp.headers["WWW-Authenticate"] == (
        f'Bearer error="insufficient_scope", scope="inventory:write", resource_metadata="{METADATA_URL}"'
    )
    assert resp.get_json()["error"] == "insufficient_scope"


@pytest.mark.parametrize(
    "scope",
    [
        "inventory:readonly",
        "inventory",
        "inventory:rea",
        "xinventory:read",
        "inventory:read,inventory:write",
    ],
)
def test_scopes_are_whole_words(api, scope):
    resp = api.get("/inventory", token=api.token(scope=scope))
    assert resp.status_code == 403
    assert resp.headers["WWW-Authenticate"].startswith(
        'Bearer error="insufficient_scope", scope="inventory:read"'
    )


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


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "http://evil.test"},
        {"aud": "http://other-resource.test"},
        {"aud": ["http://other-resource.test"]},
        {"exp": int(time.time()) - 120},
        {"nbf": int(time.time()) + 600},
        {"iat": int(time.time()) + 600},
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


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer a b", "Bearer <token>", "Bearer \u00e9\u00e9", "Bearer  "],
)
def test_malformed_authorization_headers_are_invalid_request(api, header):
    resp = api.get("/inventory", headers={"Authorization": header})
    assert resp.status_code in (400, 401)
    if resp.status_code == 400:
        assert (
            resp.headers["WWW-Authenticate"]
            == f'Bearer error="invalid_request", resource_metadata="{METADATA_URL}"'
        )
    else:  # "Bearer" alone carries no token: treated as no credentials
        assert resp.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{METADATA_URL}"'


def test_a_token_in_the_query_string_is_refused(api):
    resp = api.get(f"/inventory?access_token={api.token()}")
    assert resp.status_code == 400
    assert (
        resp.headers["WWW-Authenticate"]
        == f'Bearer error="invalid_request", resource_metadata="{METADATA_URL}"'
    )


def test_a_request_with_key_and_token_is_judged_on_the_token(api):
    key = api.api_key()
    assert_invalid_token(api.get("/inventory", token="not.a.token", key=key))
    ok = api.get("/inventory", token=api.token(), key=key)
    assert ok.status_code == 200
    assert "Deprecation" not in ok.headers
