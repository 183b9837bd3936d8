"""client_secret_basic, client_secret_post and private_key_jwt at the token endpoint."""

import base64
import sqlite3
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from .conftest import ISSUER, basic, token_request

FAILED = "The client cannot authenticate"


def assert_invalid_client(resp):
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_client"
    assert resp.headers["WWW-Authenticate"].startswith("Basic ")
    assert resp.headers["Cache-Control"] == "no-store"


def test_basic_credentials_are_form_url_decoded(http, clients):
    # RFC 6749 §2.3.1: a ':' in the id must be percent-encoded inside the Basic header.
    client_id, secret = clients.create(client_id="reporting:job%1")
    resp = token_request(http, client_id, secret)
    assert resp.status_code == 200, resp.get_json()


def test_plus_in_basic_credentials_means_space(http, clients):
    _, secret = clients.create(client_id="plus+id")
    raw = f"plus%2Bid:{secret}".encode()
    ok = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(raw).decode()},
    )
    assert ok.status_code == 200
    raw = f"plus+id:{secret}".encode()  # unencoded '+' decodes to ' ' and names no client
    bad = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(raw).decode()},
    )
    assert_invalid_client(bad)


def test_wrong_secret_is_invalid_client_with_basic_challenge(http, clients):
    client_id, _ = clients.create()
    assert_invalid_client(token_request(http, client_id, "not-the-secret"))


def test_unknown_client_is_indistinguishable_from_wrong_secret(http, clients):
    client_id, _ = clients.create()
    wrong = token_request(http, client_id, "not-the-secret")
    unknown = token_request(http, "no-such-client", "not-the-secret")
    assert (unknown.status_code, unknown.get_json(), unknown.headers["WWW-Authenticate"]) == (
        wrong.status_code,
        wrong.get_json(),
        wrong.headers["WWW-Authenticate"],
    )


def test_missing_client_authentication_is_invalid_client(http):
    resp = http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert_invalid_client(resp)


def test_secret_is_stored_only_as_a_hash(app, clients):
    client_id, secret = clients.create()
    assert len(secret) >= 43  # 32 random bytes, base64url
    db = sqlite3.connect(app.extensions["auth_store"].path)
    dump = "\n".join(db.iterdump())
    assert client_id in dump
    assert secret not in dump


def test_rotated_secret_replaces_the_old_one(http, clients):
    client_id, old = clients.create()
    new = clients.registry.rotate_secret(client_id)
    assert_invalid_client(token_request(http, client_id, old))
    assert token_request(http, client_id, new).status_code == 200


def test_client_secret_post_works_for_a_post_client(http, clients):
    client_id, secret = clients.create(auth_method="client_secret_post")
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert resp.status_code == 200


def test_a_client_must_use_its_registered_method(http, clients):
    client_id, secret = clients.create(auth_method="client_secret_basic")
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert_invalid_client(resp)


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

    def request(self, http, assertion):
        return http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
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


def test_basic_header_and_body_secret_together_are_invalid_request(http, clients):
    client_id, secret = clients.create()
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        headers=basic(client_id, secret),
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_request"
