"""``private_key_jwt`` (RFC 7523): audiences, lifetime cap, replay, and the MCP SDKs' forms."""

from __future__ import annotations

import logging
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ..conftest import ISSUER, assert_invalid_client, assert_oauth_error


class KeyClient:
    """A private_key_jwt client with its own EC key (RFC 7523 §2.2)."""

    def __init__(self, clients):
        self.key = ec.generate_private_key(ec.SECP256R1())
        public = jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwks = {"keys": [{**public, "kid": "k1", "alg": "ES256", "use": "sig"}]}
        self.client_id, _ = clients.create(auth_method="private_key_jwt", jwks=jwks)

    def assertion(self, aud=ISSUER, jti=None, key=None, **claims):
        now = int(time.time())
        payload = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": aud,
            "iat": now,
            "exp": now + 60,
            "jti": jti or uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="ES256", headers={"kid": "k1"})

    def request(self, http, assertion, **form):
        return http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                **form,
            },
        )


@pytest.fixture
def key_client(clients):
    return KeyClient(clients)


@pytest.mark.parametrize("aud", [ISSUER, f"{ISSUER}/oauth/token"])
def test_private_key_jwt_accepts_issuer_or_token_endpoint_as_audience(http, key_client, aud):
    resp = key_client.request(http, key_client.assertion(aud=aud))
    assert resp.status_code == 200, resp.get_json()


def test_private_key_jwt_refuses_another_audience(http, key_client):
    assert_invalid_client(key_client.request(http, key_client.assertion(aud="http://other")))


def test_private_key_jwt_refuses_a_replayed_jti(http, key_client):
    assertion = key_client.assertion(jti="once-only")
    assert key_client.request(http, assertion).status_code == 200
    assert_invalid_client(key_client.request(http, assertion))
    # A fresh assertion with the same jti is a replay too.
    assert_invalid_client(key_client.request(http, key_client.assertion(jti="once-only")))


def test_private_key_jwt_refuses_a_key_the_client_did_not_register(http, key_client):
    stranger = ec.generate_private_key(ec.SECP256R1())
    assert_invalid_client(key_client.request(http, key_client.assertion(key=stranger)))


def test_private_key_jwt_refuses_an_expired_assertion(http, key_client):
    old = int(time.time()) - 600
    assertion = key_client.assertion(iat=old, exp=old + 60)
    assert_invalid_client(key_client.request(http, assertion))


@pytest.mark.parametrize("jti", [None, 12345, {"a": 1}])
def test_private_key_jwt_needs_a_string_jti(http, key_client, jti):
    now = int(time.time())
    payload = {
        "iss": key_client.client_id,
        "sub": key_client.client_id,
        "aud": ISSUER,
        "exp": now + 60,
    }
    if jti is not None:
        payload["jti"] = jti
    assertion = jwt.encode(payload, key_client.key, algorithm="ES256", headers={"kid": "k1"})
    assert_invalid_client(key_client.request(http, assertion))


@pytest.mark.parametrize(
    "aud",
    [
        f"{ISSUER}/",  # SDK 1.x: str(AnyHttpUrl("http://as.test")) adds the slash
        ISSUER,  # SDK 2.x: the issuer exactly
        [ISSUER],
        [f"{ISSUER}/", f"{ISSUER}/oauth/token"],
    ],
)
def test_issuer_with_or_without_slash_alone_or_in_a_list_is_accepted(http, key_client, aud):
    resp = key_client.request(http, key_client.assertion(aud=aud))
    assert resp.status_code == 200, resp.get_json()


@pytest.mark.parametrize(
    "aud",
    [
        [ISSUER, "http://other"],  # meant for someone else too
        [],
        f"{ISSUER}//",
        f"{ISSUER}/oauth",
        "http://AS.test",
        None,
        42,
    ],
)
def test_an_audience_naming_anything_else_is_refused(http, key_client, aud):
    assert_invalid_client(key_client.request(http, key_client.assertion(aud=aud)))


def test_an_assertion_living_exactly_five_minutes_is_accepted(http, key_client):
    now = int(time.time())
    resp = key_client.request(http, key_client.assertion(iat=now, exp=now + 300))
    assert resp.status_code == 200, resp.get_json()


def test_an_assertion_living_longer_than_five_minutes_is_refused(http, key_client):
    now = int(time.time())
    assert_invalid_client(key_client.request(http, key_client.assertion(iat=now, exp=now + 301)))


def test_an_assertion_without_iat_expiring_in_an_hour_is_refused(http, key_client):
    assertion = key_client.assertion(exp=int(time.time()) + 3600, iat=None)
    assert_invalid_client(key_client.request(http, assertion))


def test_an_assertion_with_a_string_exp_is_refused(http, key_client):
    assertion = key_client.assertion(exp=str(int(time.time()) + 60))
    assert_invalid_client(key_client.request(http, assertion))


@pytest.mark.parametrize(
    "form",
    [
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "x.y.z",
        },
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "e30.W10.sig",
        },
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "eyJhbGciOiJub25lIn0.eyJzdWIiOnt9fQ.",
        },
        {"grant_type": "client_credentials", "client_id": "x" * 5000, "client_secret": "y"},
    ],
)
def test_malformed_client_assertions_are_invalid_client(http, form):
    assert_oauth_error(http.post("/oauth/token", data=form), 401, "invalid_client")


def test_a_form_client_id_must_be_the_assertions_sub(http, key_client, caplog):
    """RFC 7521 §4.2; the failure is logged under the id the assertion authenticates."""
    same = key_client.request(http, key_client.assertion(), client_id=key_client.client_id)
    assert same.status_code == 200
    with caplog.at_level(logging.INFO):
        other = key_client.request(http, key_client.assertion(), client_id="someone-else")
    assert_invalid_client(other)
    assert (
        f"client authentication failed client_id='{key_client.client_id}' "
        "reason=client_id does not match the assertion's sub" in caplog.text
    )
