"""What Order sends to a token endpoint that is not ours, over real HTTP to a local issuer.

The issuer records every token request, so each test reads the exact form, Basic header and
client assertion a provider would receive (docs/providers.md says which provider needs which).
"""

from __future__ import annotations

import base64
import hashlib

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from order_service.config import Settings
from order_service.oauth_client import ClientCredentials
from service_kit.settings import ConfigError
from tests.support.issuer import TestIssuer
from tests.support.keys import private_pem, self_signed_certificate

RESOURCE = "http://inventory.test"


@pytest.fixture
def issuer():
    issuer = TestIssuer()
    issuer.grants_tokens = True
    yield issuer
    issuer.close()


def oauth_settings(**env: str):
    base = {
        "INVENTORY_URL": "http://127.0.0.1:1",
        "AUTH": "oauth",
        "CLIENT_ID": "order-service",
        "SCOPE": "inventory:write",
    }
    return Settings.load({**base, **env}).oauth


def fetch(settings) -> dict:
    token, expires_in = ClientCredentials(settings).fetch()
    assert expires_in == 300
    return jwt.decode(token, options={"verify_signature": False})


def test_audience_is_sent_as_audience_and_an_empty_resource_sends_no_resource(issuer):
    # Auth0: "audience" names the API; Hydra: "audience" fills aud (docs/providers.md).
    settings = oauth_settings(
        ISSUER=issuer.issuer, CLIENT_SECRET="s", RESOURCE="", AUDIENCE="https://inventory.api"
    )
    claims = fetch(settings)
    form = issuer.token_requests[-1]["form"]
    assert "resource" not in form
    assert form["audience"] == "https://inventory.api"
    assert form["grant_type"] == "client_credentials"
    assert form["scope"] == "inventory:write"
    assert claims["aud"] == "https://inventory.api"


def test_resource_is_sent_by_default_and_no_audience_parameter(issuer):
    fetch(oauth_settings(ISSUER=issuer.issuer, CLIENT_SECRET="s", RESOURCE=RESOURCE))
    form = issuer.token_requests[-1]["form"]
    assert form["resource"] == RESOURCE
    assert "audience" not in form


def test_client_secret_basic_is_the_default_and_keeps_the_secret_out_of_the_body(issuer):
    fetch(oauth_settings(ISSUER=issuer.issuer, CLIENT_SECRET="s3cret", RESOURCE=RESOURCE))
    request = issuer.token_requests[-1]
    expected = base64.b64encode(b"order-service:s3cret").decode()
    assert request["authorization"] == f"Basic {expected}"
    assert "client_secret" not in request["form"]


def test_client_secret_post_puts_the_id_and_secret_in_the_body(issuer):
    settings = oauth_settings(
        ISSUER=issuer.issuer,
        CLIENT_SECRET="s3cret",
        RESOURCE=RESOURCE,
        CLIENT_AUTH_METHOD="client_secret_post",
    )
    fetch(settings)
    request = issuer.token_requests[-1]
    assert request["authorization"] is None
    assert request["form"]["client_id"] == "order-service"
    assert request["form"]["client_secret"] == "s3cret"


def test_the_token_endpoint_setting_wins_over_discovery(issuer):
    # Nothing listens on the issuer named here: discovery would fail if it were tried.
    settings = oauth_settings(
        ISSUER="http://127.0.0.1:1/tenant",
        TOKEN_ENDPOINT=f"{issuer.url}/token",
        CLIENT_SECRET="s",
        RESOURCE=RESOURCE,
    )
    fetch(settings)
    assert len(issuer.token_requests) == 1


def test_a_token_endpoint_alone_needs_no_issuer(issuer):
    settings = oauth_settings(
        TOKEN_ENDPOINT=f"{issuer.url}/token", CLIENT_SECRET="s", RESOURCE=RESOURCE
    )
    assert settings.issuer is None
    fetch(settings)


def test_entra_certificate_assertion_carries_x5t_s256_signs_ps256_for_the_token_endpoint(
    issuer, tmp_path
):
    # learn.microsoft.com/entra/identity-platform/certificate-credentials: header alg PS256,
    # typ JWT, x5t#S256 = base64url SHA-256 of the certificate's DER; aud = token endpoint.
    key = private_pem("RSA")
    cert = self_signed_certificate(key)
    (tmp_path / "key.pem").write_bytes(key)
    (tmp_path / "cert.pem").write_bytes(cert)
    settings = oauth_settings(
        TOKEN_ENDPOINT=f"{issuer.url}/token",
        RESOURCE="",
        SCOPE="api://inventory/.default",
        CLIENT_KEY_FILE=str(tmp_path / "key.pem"),
        CLIENT_CERT_FILE=str(tmp_path / "cert.pem"),
    )
    fetch(settings)
    request = issuer.token_requests[-1]
    der = x509.load_pem_x509_certificate(cert).public_bytes(serialization.Encoding.DER)
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    assert request["assertion_header"]["x5t#S256"] == thumbprint
    assert request["assertion_header"]["alg"] == "PS256"
    claims = request["assertion_claims"]
    assert claims["aud"] == f"{issuer.url}/token"
    assert claims["iss"] == claims["sub"] == "order-service"
    assert claims["exp"] - claims["iat"] == 60
    assert request["form"]["client_assertion_type"] == (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    assert "resource" not in request["form"]
    # The assertion verifies with the certificate's key: the AS can check it.
    public = x509.load_pem_x509_certificate(cert).public_key()
    jwt.decode(
        request["form"]["client_assertion"],
        public,
        algorithms=["PS256"],
        audience=f"{issuer.url}/token",
    )


def test_assertion_audience_issuer_names_the_issuer_as_auth0_requires(issuer, tmp_path):
    (tmp_path / "key.pem").write_bytes(private_pem("EC"))
    settings = oauth_settings(
        ISSUER=issuer.issuer,
        RESOURCE="",
        AUDIENCE="https://inventory.api",
        CLIENT_KEY_FILE=str(tmp_path / "key.pem"),
        CLIENT_ASSERTION_AUDIENCE="issuer",
    )
    fetch(settings)
    request = issuer.token_requests[-1]
    assert request["assertion_claims"]["aud"] == issuer.issuer
    assert request["assertion_header"]["alg"] == "ES256"
    assert "x5t#S256" not in request["assertion_header"]


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        (
            {"CLIENT_AUTH_METHOD": "client_secret_jwt", "CLIENT_SECRET": "s"},
            "ORDER_CLIENT_AUTH_METHOD",
        ),
        ({"CLIENT_AUTH_METHOD": "private_key_jwt", "CLIENT_SECRET": "s"}, "ORDER_CLIENT_KEY_FILE"),
        (
            {"CLIENT_ASSERTION_AUDIENCE": "tenant", "CLIENT_SECRET": "s"},
            "ORDER_CLIENT_ASSERTION_AUDIENCE",
        ),
        ({"TOKEN_ENDPOINT": "not a url", "CLIENT_SECRET": "s"}, "ORDER_TOKEN_ENDPOINT"),
        ({"CLIENT_SECRET": "s", "RESOURCE": None}, "ORDER_RESOURCE"),
    ],
)
def test_bad_client_settings_name_the_variable(env, variable):
    base = {"ISSUER": "http://as.test", "RESOURCE": RESOURCE}
    merged = {k: v for k, v in {**base, **env}.items() if v is not None}
    with pytest.raises(ConfigError, match=variable):
        oauth_settings(**merged)


def test_a_missing_resource_says_an_empty_one_sends_none():
    with pytest.raises(ConfigError, match="set it empty to send no resource parameter"):
        oauth_settings(ISSUER="http://as.test", CLIENT_SECRET="s")


def test_a_key_file_with_a_secret_method_is_refused(tmp_path):
    (tmp_path / "key.pem").write_bytes(private_pem("EC"))
    with pytest.raises(ConfigError, match="ORDER_CLIENT_KEY_FILE is set but"):
        oauth_settings(
            ISSUER="http://as.test",
            RESOURCE=RESOURCE,
            CLIENT_KEY_FILE=str(tmp_path / "key.pem"),
            CLIENT_AUTH_METHOD="client_secret_post",
        )


@pytest.mark.parametrize(
    ("certificate", "credential", "message"),
    [
        ("another key's", "key", "ORDER_CLIENT_CERT_FILE is not the certificate"),
        ("no certificate", "key", r"ORDER_CLIENT_CERT_FILE must hold a PEM X\.509"),
        ("the key's", "secret", "ORDER_CLIENT_CERT_FILE needs private_key_jwt"),
    ],
)
def test_a_certificate_that_cannot_serve_is_refused(tmp_path, certificate, credential, message):
    key = private_pem("RSA")
    cert = {
        "another key's": self_signed_certificate(private_pem("RSA")),
        "no certificate": b"not a certificate",
        "the key's": self_signed_certificate(key),
    }[certificate]
    (tmp_path / "key.pem").write_bytes(key)
    (tmp_path / "cert.pem").write_bytes(cert)
    how = {"CLIENT_KEY_FILE": str(tmp_path / "key.pem")} if credential == "key" else {"CLIENT_SECRET": "s"}  # fmt: skip
    with pytest.raises(ConfigError, match=message):
        oauth_settings(
            ISSUER="http://as.test",
            RESOURCE=RESOURCE,
            CLIENT_CERT_FILE=str(tmp_path / "cert.pem"),
            **how,
        )
