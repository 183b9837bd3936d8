"""How Order proves who it is at the token endpoint, for whichever AS it talks to.

Three RFC 6749 §2.3 / RFC 7523 methods, each an Authlib client auth method:

* ``client_secret_basic`` — id and secret in ``Authorization: Basic`` (our AS, Keycloak, Okta,
  Hydra, Zitadel, node-oidc-provider);
* ``client_secret_post`` — the same two in the form body (Auth0's default, Cognito accepts both,
  Hydra clients registered that way);
* ``private_key_jwt`` — a short-lived assertion signed with the client's key. Providers differ on
  the assertion's ``aud``: Entra ID and Okta want the token endpoint (Authlib's choice, our
  default), Auth0 wants its issuer (``ORDER_CLIENT_ASSERTION_AUDIENCE=issuer``). Entra ID finds
  the key by the certificate it was uploaded as: with ``ORDER_CLIENT_CERT_FILE`` the header
  carries that certificate's ``x5t#S256`` and an RSA key signs with PS256, as its
  certificate-credentials page asks.
"""

from __future__ import annotations

import base64
import hashlib
from enum import StrEnum
from typing import TYPE_CHECKING

from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import import_key

if TYPE_CHECKING:
    from .config import OAuthSettings


class ClientAuthMethod(StrEnum):
    """``ORDER_CLIENT_AUTH_METHOD``; the values are the RFC 7591 method names."""

    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 - a method name
    CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105 - a method name
    PRIVATE_KEY_JWT = "private_key_jwt"


class AssertionAudience(StrEnum):
    """``ORDER_CLIENT_ASSERTION_AUDIENCE``: the ``aud`` of a ``private_key_jwt`` assertion."""

    TOKEN_ENDPOINT = "token_endpoint"  # noqa: S105 - a setting value
    ISSUER = "issuer"


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """Authlib signs client assertions valid for an hour; ours live ``LIFETIME`` seconds.

    An assertion is used once, at once: a long life only helps whoever steals it, and the
    AS refuses any living longer than five minutes (docs/decisions.md). ``token_endpoint``
    is Authlib's name for the assertion's audience.
    """

    LIFETIME = 60

    def sign(self, auth, token_endpoint):
        return private_key_jwt_sign(
            auth.client_secret,  # already a joserfc key (see ``session``)
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            claims=self.claims,
            header=self.headers,
            alg=self.alg,
            expires_in=self.LIFETIME,
        )


def certificate_thumbprint(pem: bytes) -> str:
    """RFC 7515 §4.1.8 ``x5t#S256``: base64url SHA-256 of the certificate's DER encoding."""
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def certificate_matches_key(cert_pem: bytes, key_pem: bytes) -> bool:
    """Whether the certificate holds the public half of the private key (a mixed-up pair
    would only fail at the AS, with a vaguer message)."""
    der, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    public = x509.load_pem_x509_certificate(cert_pem).public_key().public_bytes(der, spki)
    private = serialization.load_pem_private_key(key_pem, password=None)
    return public == private.public_key().public_bytes(der, spki)


def session(settings: OAuthSettings, token_endpoint: str) -> OAuth2Session:
    """An Authlib session that authenticates as ``settings`` say at ``token_endpoint``."""
    method = settings.auth_method
    if method is not ClientAuthMethod.PRIVATE_KEY_JWT:
        return OAuth2Session(
            settings.client_id, settings.client_secret, token_endpoint_auth_method=str(method)
        )
    assert settings.client_key_pem is not None  # config guarantees it for this method
    kid = settings.client_key_id
    private = serialization.load_pem_private_key(settings.client_key_pem, password=None)
    key_type = "EC" if isinstance(private, ec.EllipticCurvePrivateKey) else "RSA"
    key = import_key(settings.client_key_pem, key_type, parameters={"kid": kid} if kid else None)
    headers: dict[str, str] = {}
    if kid:
        headers["kid"] = kid
    if settings.client_cert_thumbprint:
        headers["x5t#S256"] = settings.client_cert_thumbprint
    if key.key_type == "EC":
        alg = "ES256"
    else:
        alg = "PS256" if settings.client_cert_thumbprint else "RS256"
    audience = (
        settings.issuer
        if settings.assertion_audience is AssertionAudience.ISSUER
        else token_endpoint
    )
    oauth = OAuth2Session(settings.client_id, key, token_endpoint_auth_method=str(method))
    oauth.register_client_auth_method(
        ShortLivedPrivateKeyJWT(audience, alg=alg, headers=headers or None)
    )
    return oauth
