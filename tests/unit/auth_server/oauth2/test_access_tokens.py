"""RFC 9068 access tokens: signed with the published key, ``aud`` = resource, TTL, ``jti``."""

from __future__ import annotations

import base64

import jwt

from auth_server import create_app

from ..conftest import ISSUER, RESOURCE, Clients, decode_part, token_request


def verify(app, token, audience=RESOURCE):
    jwks = jwt.PyJWKSet.from_dict(app.extensions["key_store"].public_jwks())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    return jwt.decode(token, key, algorithms=["ES256", "RS256"], audience=audience, issuer=ISSUER)


def test_token_is_an_rfc9068_jwt_signed_with_the_published_key(app, http, clients):
    client_id, secret = clients.create(org_id="acme")
    resp = token_request(http, client_id, secret)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["token_type"] == "Bearer"
    assert "refresh_token" not in body
    header = decode_part(body["access_token"], 0)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    published = [k["kid"] for k in app.extensions["key_store"].public_jwks()["keys"]]
    assert header["kid"] in published
    claims = verify(app, body["access_token"])
    assert claims["iss"] == ISSUER
    assert claims["sub"] == client_id
    assert claims["client_id"] == client_id
    assert claims["scope"] == "inventory:read inventory:write"
    assert claims["org_id"] == "acme"
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16


def test_audience_is_the_resource_not_the_client_id(app, http, clients):
    client_id, secret = clients.create()
    token = token_request(http, client_id, secret).get_json()["access_token"]
    assert decode_part(token, 1)["aud"] == RESOURCE


def test_lifetime_is_the_configured_ttl_not_authlibs_ten_days(app, http, clients):
    client_id, secret = clients.create()
    body = token_request(http, client_id, secret).get_json()
    claims = decode_part(body["access_token"], 1)
    assert body["expires_in"] == 3600
    assert claims["exp"] - claims["iat"] == 3600


def test_token_ttl_follows_auth_token_ttl(settings, clients):
    app = create_app({**settings, "token_ttl": "120"})

    client_id, secret = Clients(app).create()
    body = token_request(app.test_client(), client_id, secret).get_json()
    claims = decode_part(body["access_token"], 1)
    assert body["expires_in"] == 120
    assert claims["exp"] - claims["iat"] == 120


def test_each_token_has_a_fresh_jti(http, clients):
    client_id, secret = clients.create()
    jtis = {
        decode_part(token_request(http, client_id, secret).get_json()["access_token"], 1)["jti"]
        for _ in range(5)
    }
    assert len(jtis) == 5


def test_rs256_is_selectable(settings):
    app = create_app({**settings, "signing_alg": "RS256"})

    client_id, secret = Clients(app).create()
    token = token_request(app.test_client(), client_id, secret).get_json()["access_token"]
    assert decode_part(token, 0)["alg"] == "RS256"
    assert verify(app, token)["client_id"] == client_id


def test_the_jti_is_128_bits_base64url_and_never_repeats(http, clients):
    creds = clients.create()
    jtis = []
    for _ in range(200):
        resp = token_request(http, *creds)
        assert resp.status_code == 200
        jtis.append(decode_part(resp.get_json()["access_token"], 1)["jti"])
    assert len(set(jtis)) == len(jtis)
    for jti in jtis:
        assert len(jti) == 22 and "=" not in jti  # 16 bytes, unpadded base64url
        assert len(base64.urlsafe_b64decode(jti + "==")) == 16
    # Random bits, not a counter or a clock: every character position varies.
    assert all(len({jti[i] for jti in jtis}) > 8 for i in range(21))
