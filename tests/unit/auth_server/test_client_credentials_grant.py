"""The client-credentials grant and the RFC 9068 tokens it issues."""

import jwt
import pytest

from auth_server import create_app

from .conftest import (
    ISSUER,
    OTHER_RESOURCE,
    RESOURCE,
    Clients,
    basic,
    decode_part,
    token_request,
)


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


def test_requested_scope_subset_is_granted(app, http, clients):
    client_id, secret = clients.create()
    body = token_request(http, client_id, secret, scope="inventory:read").get_json()
    assert body["scope"] == "inventory:read"
    assert decode_part(body["access_token"], 1)["scope"] == "inventory:read"


def test_scope_beyond_the_clients_is_invalid_scope(http, clients):
    client_id, secret = clients.create(scope="inventory:read")
    resp = token_request(http, client_id, secret, scope="inventory:read inventory:admin")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_scope"
    assert resp.headers["Cache-Control"] == "no-store"


def test_scope_prefix_is_not_a_scope(http, clients):
    client_id, secret = clients.create(scope="inventory:read")
    resp = token_request(http, client_id, secret, scope="inventory")
    assert resp.get_json()["error"] == "invalid_scope"


def test_resource_selects_one_of_the_clients_audiences(http, clients):
    client_id, secret = clients.create(resources=(RESOURCE, OTHER_RESOURCE))
    body = token_request(http, client_id, secret, resource=OTHER_RESOURCE).get_json()
    assert decode_part(body["access_token"], 1)["aud"] == OTHER_RESOURCE


def test_unregistered_resource_is_invalid_target(http, clients):
    client_id, secret = clients.create()
    resp = token_request(http, client_id, secret, resource="http://evil.test")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_target"


def test_two_resources_in_one_request_are_invalid_target(http, clients):
    client_id, secret = clients.create(resources=(RESOURCE, OTHER_RESOURCE))
    resp = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "resource": [RESOURCE, OTHER_RESOURCE]},
        headers=basic(client_id, secret),
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_target"


@pytest.mark.parametrize("grant_type", ["authorization_code", "password", "refresh_token", ""])
def test_other_grants_are_unsupported(http, clients, grant_type):
    client_id, secret = clients.create()
    resp = http.post(
        "/oauth/token", data={"grant_type": grant_type}, headers=basic(client_id, secret)
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "unsupported_grant_type"


def test_disabled_client_is_refused(app, http, clients):
    client_id, secret = clients.create()
    clients.registry.disable(client_id)
    resp = token_request(http, client_id, secret)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_client"


def test_issued_tokens_are_counted_per_client(http, clients):
    from auth_server import metrics

    client_id, secret = clients.create()
    before = metrics.TOKENS_ISSUED.labels(client_id=client_id)._value.get()
    token_request(http, client_id, secret)
    token_request(http, client_id, secret)
    assert metrics.TOKENS_ISSUED.labels(client_id=client_id)._value.get() == before + 2
    assert f'auth_tokens_issued_total{{client_id="{client_id}"}} 2.0' in http.get("/metrics").text
