"""Two AS replicas, each with its own data dir, on one PostgreSQL behind a round-robin
balancer: one JWKS and one signing key, an assertion spent once, one failure budget, and a
disabled client or revoked token refused by both at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import jwt
import pytest
import requests
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.balancer import RoundRobinBalancer
from tests.support.processes import ROOT, free_port

from .conftest import RESOURCE

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture
def replicas(auth_server_factory, postgres_url):
    balancer = RoundRobinBalancer()
    shared = {
        "AUTH_ISSUER": balancer.url,
        "AUTH_DATABASE_URL": postgres_url,
        "AUTH_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "AUTH_CLIENT_AUTH_FAILURE_LIMIT": "20/minute",
    }
    pair = [auth_server_factory(**shared) for _ in range(2)]
    balancer.backends = [("127.0.0.1", r.port) for r in pair]
    yield pair, balancer
    balancer.close()


def _fresh_post(url: str, **kwargs) -> requests.Response:
    return requests.post(url, headers={"Connection": "close"}, timeout=10, **kwargs)


def _token(url: str, client_id: str, secret: str) -> requests.Response:
    return _fresh_post(
        f"{url}/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


def test_both_replicas_publish_one_jwks_and_sign_with_one_key(replicas):
    (a, b), balancer = replicas
    secret = a.create_client("order-service", "inventory:read")
    jwks = [requests.get(f"{r.url}/.well-known/jwks.json", timeout=5).json() for r in (a, b)]
    assert jwks[0] == jwks[1] and len(jwks[0]["keys"]) == 1
    kids = {
        jwt.get_unverified_header(
            _token(balancer.url, "order-service", secret).json()["access_token"]
        )["kid"]
        for _ in range(20)
    }
    assert kids == {jwks[0]["keys"][0]["kid"]}

    new = json.loads(b.cli("keys", "rotate"))["kid"]
    kids = {
        jwt.get_unverified_header(
            _token(balancer.url, "order-service", secret).json()["access_token"]
        )["kid"]
        for _ in range(20)
    }
    assert kids == {new}
    b.cli("keys", "revoke", new)
    for replica in (a, b):
        published = requests.get(f"{replica.url}/.well-known/jwks.json", timeout=5).json()
        assert new not in {k["kid"] for k in published["keys"]}


def test_an_assertion_accepted_by_one_replica_is_refused_by_the_other(replicas, tmp_path):
    (a, b), balancer = replicas
    key = ec.generate_private_key(ec.SECP256R1())
    public = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    (tmp_path / "jwks.json").write_text(
        json.dumps({"keys": [{**public, "kid": "k1", "alg": "ES256", "use": "sig"}]})
    )
    a.cli(
        "clients",
        "create",
        "agent",
        "--scope",
        "inventory:read",
        "--resource",
        RESOURCE,
        "--auth-method",
        "private_key_jwt",
        "--jwks-file",
        str(tmp_path / "jwks.json"),
    )
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": "agent",
            "sub": "agent",
            "aud": balancer.url,
            "iat": now,
            "exp": now + 60,
            "jti": uuid.uuid4().hex,
        },
        key,
        algorithm="ES256",
        headers={"kid": "k1"},
    )
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
    }
    assert _fresh_post(f"{a.url}/oauth/token", data=form).status_code == 200
    replay = _fresh_post(f"{b.url}/oauth/token", data=form)
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"


def test_wrong_secrets_spread_over_both_replicas_share_one_budget(replicas):
    (a, _), balancer = replicas
    a.create_client("order-service", "inventory:read")
    codes = [_token(balancer.url, "order-service", "wrong").status_code for _ in range(60)]
    assert codes[:20] == [401] * 20
    assert set(codes[20:]) == {429}


def test_a_disabled_client_and_a_revoked_token_are_refused_by_both_at_once(replicas):
    (a, b), balancer = replicas
    secret = a.create_client("reporting-job", "inventory:read")
    token = _token(balancer.url, "reporting-job", secret).json()["access_token"]
    other = a.create_client("introspector", "inventory:read")

    def active(url: str) -> bool:
        return _fresh_post(
            f"{url}/oauth/introspect", data={"token": token}, auth=("introspector", other)
        ).json()["active"]

    assert active(a.url) and active(b.url)
    revoked = _fresh_post(
        f"{a.url}/oauth/revoke", data={"token": token}, auth=("reporting-job", secret)
    )
    assert revoked.status_code == 200
    assert not active(b.url)

    assert [_token(balancer.url, "reporting-job", secret).status_code for _ in range(10)] == [
        200
    ] * 10
    a.cli("clients", "disable", "reporting-job")
    assert [_token(balancer.url, "reporting-job", secret).status_code for _ in range(20)] == [
        401
    ] * 20


def test_the_key_encryption_key_is_required_with_a_database_url(postgres_url, tmp_path):
    env = {
        "AUTH_ISSUER": "http://as.test",
        "AUTH_DATA_DIR": str(tmp_path),
        "AUTH_DATABASE_URL": postgres_url,
        "AUTH_PORT": str(free_port()),
    }
    done = subprocess.run(
        [sys.executable, "-m", "auth_server"],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "AUTH_KEY_ENCRYPTION_KEY" in done.stderr and "Traceback" not in done.stderr
    assert postgres_url not in done.stderr + done.stdout
