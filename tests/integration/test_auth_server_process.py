"""The AS as a real gunicorn process, used by a real OAuth client library (Authlib)."""

import jwt
import requests
from authlib.integrations.requests_client import OAuth2Session

from tests.support.processes import wait_until

from .conftest import RESOURCE


def fetch_token(auth_server, client_id, secret, **params):
    session = OAuth2Session(client_id, secret, token_endpoint_auth_method="client_secret_basic")
    return session.fetch_token(
        f"{auth_server.url}/oauth/token", grant_type="client_credentials", **params
    )


def verify(auth_server, access_token):
    """Verify like a resource server would: JWKS from the metadata, then every claim."""
    meta = requests.get(
        f"{auth_server.url}/.well-known/oauth-authorization-server", timeout=5
    ).json()
    signing_key = jwt.PyJWKClient(meta["jwks_uri"], cache_keys=False).get_signing_key_from_jwt(
        access_token
    )
    header = jwt.get_unverified_header(access_token)
    assert header["typ"] == "at+jwt"
    return jwt.decode(
        access_token,
        signing_key.key,
        algorithms=["ES256"],
        audience=RESOURCE,
        issuer=meta["issuer"],
        options={"require": ["exp", "iat", "iss", "aud", "sub", "client_id", "jti"]},
    )


def test_authlib_client_gets_tokens_that_verify_against_the_published_jwks(auth_server):
    secret = auth_server.create_client(
        "order-service", "inventory:read inventory:write", RESOURCE, "--org", "acme"
    )
    issued = [
        fetch_token(auth_server, "order-service", secret, scope="inventory:read") for _ in range(6)
    ]
    for token in issued:
        claims = verify(auth_server, token["access_token"])
        assert claims["client_id"] == claims["sub"] == "order-service"
        assert claims["scope"] == "inventory:read"
        assert claims["org_id"] == "acme"
        assert claims["exp"] - claims["iat"] == 3600
        assert token["expires_in"] == 3600
        assert "refresh_token" not in token
    # Two workers answered, yet every token carries the same kid: keys are shared.
    assert len({jwt.get_unverified_header(t["access_token"])["kid"] for t in issued}) == 1
    metrics = requests.get(f"{auth_server.url}/metrics", timeout=5).text
    assert 'auth_tokens_issued_total{client_id="order-service"} 6.0' in metrics


def test_a_restart_keeps_earlier_tokens_verifiable(auth_server):
    secret = auth_server.create_client("svc", "inventory:read")
    before = fetch_token(auth_server, "svc", secret)["access_token"]
    auth_server.stop()
    auth_server.start()
    assert verify(auth_server, before)["client_id"] == "svc"
    after = fetch_token(auth_server, "svc", secret)["access_token"]
    assert jwt.get_unverified_header(after)["kid"] == jwt.get_unverified_header(before)["kid"]


def test_rotation_under_a_running_server_switches_keys_and_keeps_old_tokens_valid(auth_server):
    secret = auth_server.create_client("svc", "inventory:read")
    old = fetch_token(auth_server, "svc", secret)["access_token"]
    old_kid = jwt.get_unverified_header(old)["kid"]
    auth_server.cli("keys", "rotate")

    def all_workers_use_the_new_key():
        kids = {
            jwt.get_unverified_header(fetch_token(auth_server, "svc", secret)["access_token"])[
                "kid"
            ]
            for _ in range(6)
        }
        return kids if old_kid not in kids else None

    new_kids = wait_until(
        all_workers_use_the_new_key, timeout=2.5, what="workers to sign with the new key"
    )
    assert len(new_kids) == 1
    assert verify(auth_server, old)["client_id"] == "svc"
    published = requests.get(f"{auth_server.url}/.well-known/jwks.json", timeout=5).json()["keys"]
    assert [k["kid"] for k in published] == [*new_kids, old_kid]


def test_malformed_requests_never_produce_a_5xx(auth_server):
    url = f"{auth_server.url}/oauth/token"
    attempts = [
        requests.get(url, timeout=5),
        requests.post(
            url,
            data=b"\xff\xfe\x00",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=5,
        ),
        requests.post(
            url,
            data=b"a" * (2 * 1024 * 1024),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        ),
        requests.post(url, files={"grant_type": ("a", b"client_credentials")}, timeout=5),
        requests.post(
            url,
            data="grant_type=client_credentials",
            headers={
                "Authorization": "Basic \u00e9t\u00e9",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            timeout=5,
        ),
    ]
    for resp in attempts:
        assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:200])
        assert resp.json()["error"]
    # A control character in a header is not HTTP at all: gunicorn's parser refuses it
    # (400, its own page) before the app runs. Still a 4xx, still no trace.
    broken = requests.post(
        url,
        data="grant_type=client_credentials",
        headers={
            "Authorization": "Basic \x00\x01",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=5,
    )
    assert broken.status_code == 400
    assert "Traceback" not in broken.text
