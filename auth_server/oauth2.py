"""All OAuth wiring of the authorization server, in one place.

Authlib does the protocol work; this module configures it for OAuth 2.1 machine-to-machine
use and overrides the defaults that are wrong for it:

* Only the client-credentials grant (RFC 6749 §4.4), never with a refresh token.
* Token lifetime is ``AUTH_TOKEN_TTL`` — Authlib's default for this grant is 10 days.
* RFC 9068 JWT access tokens whose ``aud`` is the RFC 8707 ``resource`` — Authlib's
  generator puts the client id in ``aud``, which would let any resource server accept them.
* ``client_secret_basic`` decodes id and secret as RFC 6749 §2.3.1 says (form-urlencoded,
  so ``+`` is a space), and an unknown client is refused exactly like a wrong secret.
* ``private_key_jwt`` (RFC 7523 §3) accepts the issuer (with or without a trailing ``/``) or
  the token endpoint as ``aud``, caps the assertion's lifetime, and refuses a reused ``jti``.
* The metadata names an ``authorization_endpoint`` that refuses every request
  (``authorize.py``): RFC 8414 makes it optional, but the MCP SDK clients refuse metadata
  without it, even for the client-credentials grant.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidScopeError, grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from flask import Flask
from flask import request as flask_request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from . import metrics, registration_policy
from .client_auth_abuse import note_failure
from .clients import (
    AUTH_METHODS,
    GRANT_TYPE,
    Client,
    Registry,
    RegistryError,
    new_secret,
    secret_matches,
)
from .config import SIGNING_ALGS, Settings
from .keys import KeyStore
from .store import Store

log = logging.getLogger(__name__)

# The audience chosen for the token being issued. The grant validates the RFC 8707
# ``resource`` and the generator reads it; a ContextVar keeps it per request and per thread.
_audience: ContextVar[str] = ContextVar("audience")


class InvalidTargetError(OAuth2Error):
    """RFC 8707 §2: the requested resource is invalid, unknown or not allowed."""

    error = "invalid_target"


# -- client authentication ------------------------------------------------------------------


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1 + RFC 7617: ``Basic base64(urlencode(id):urlencode(secret))``."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def _check_secret(registry: Registry, client_id: str, secret: str, method: str) -> Client | None:
    client = registry.find(client_id)
    # Same work and same answer for an unknown client as for a wrong secret.
    ok = secret_matches(secret, client.record.secret_hash if client else None)
    if client and ok and client.record.auth_method == method:
        return client
    # The caller sees one answer for all three; the log says which (client_auth_abuse.py).
    if client is None:
        note_failure("unknown or disabled client")
    elif not ok:
        note_failure("wrong secret")
    else:
        note_failure(f"client is registered for {client.record.auth_method}")
    return None


def client_secret_basic(registry: Registry):
    def authenticate(query_client, request) -> Client | None:
        header = request.headers.get("Authorization")
        creds = _basic_credentials(header)
        if creds is None and header and header[:6].lower() == "basic ":
            note_failure("malformed Basic credentials")
        return _check_secret(registry, *creds, "client_secret_basic") if creds else None

    return authenticate


def client_secret_post(registry: Registry):
    def authenticate(query_client, request) -> Client | None:
        client_id = request.form.get("client_id")
        secret = request.form.get("client_secret")
        if not client_id or not secret:
            return None
        return _check_secret(registry, client_id, secret, "client_secret_post")

    return authenticate


class PrivateKeyJWT(JWTBearerClientAssertion):
    """RFC 7523 §2.2 client assertions signed with a key the client registered.

    ``aud`` (RFC 7523 §3 item 3) may be the issuer, written with or without a trailing
    ``/`` (MCP SDK 1.x signs ``aud`` = ``str(AnyHttpUrl(issuer))``, i.e. ``http://host:port/``),
    or the token endpoint; as one string or as a list holding only such values. A list that
    also names another audience is refused (draft-ietf-oauth-rfc7523bis: the assertion must
    be meant for this AS alone). The assertion may live at most ``MAX_ASSERTION_LIFETIME``
    seconds, so a leaked one is short-lived and the ``jti`` replay store stays small.
    """

    CLIENT_AUTH_METHOD = "private_key_jwt"
    MAX_ASSERTION_LIFETIME = 300  # seconds; the MCP SDKs sign for exactly 300

    def __init__(self, settings: Settings, store: Store) -> None:
        super().__init__(validate_jti=True, leeway=30)
        base = settings.base_url
        forms = [settings.issuer, base, f"{base}/", settings.token_endpoint]
        self._audiences = list(dict.fromkeys(forms))
        self._store = store

    def __call__(self, query_client, request) -> Client | None:
        try:
            return super().__call__(query_client, request)
        except InvalidClientError as exc:
            # Answer like any other failed client authentication; keep the reason in the log.
            log.info("private_key_jwt refused: %s", exc.description)
            return None

    def get_audiences(self) -> list[str]:
        return self._audiences

    def verify_claims(self, claims) -> None:
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not audiences or not all(a in self._audiences for a in audiences):
            raise InvalidClientError(description="The assertion's aud must name this AS only.")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or (iat is not None and not isinstance(iat, int)):
            raise InvalidClientError(description="The assertion's exp and iat must be numbers.")
        longest = self.MAX_ASSERTION_LIFETIME
        if exp > time.time() + longest + self.leeway or (iat is not None and exp - iat > longest):
            raise InvalidClientError(description=f"The assertion may live {longest} s at most.")
        super().verify_claims(claims)

    def validate_jti(self, claims, jti) -> bool:
        if not isinstance(jti, str) or not jti or len(jti) > 256:
            return False
        return self._store.spend_assertion(claims["sub"], jti, int(claims["exp"]))

    def resolve_client_public_key(self, client: Client) -> KeySet:
        try:
            return KeySet.import_key_set(client.record.jwks or {"keys": []})
        except (JoseError, ValueError, TypeError, KeyError):
            raise InvalidClientError(
                description="The client's registered keys are unusable."
            ) from None


# -- the grant and the token -----------------------------------------------------------------


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)

    def validate_token_request(self) -> None:
        super().validate_token_request()  # authenticates the client, checks the grant type
        client: Client = self.request.client
        if client.get_allowed_scope(self.request.payload.scope) is None:
            raise InvalidScopeError("The requested scope exceeds what this client may have.")
        # RFC 8707 §2: one resource per token, and only one the client is registered for.
        resources = self.request.form.getlist("resource")
        if len(resources) > 1:
            raise InvalidTargetError("Request one resource per token.")
        resource = resources[0] if resources else client.default_resource
        if resource not in client.record.resources:
            raise InvalidTargetError("This client may not request tokens for that resource.")
        _audience.set(resource)

    def create_token_response(self):
        result = super().create_token_response()
        metrics.TOKENS_ISSUED.labels(client_id=self.client.get_client_id()).inc()
        log.info("token issued client_id=%s aud=%s", self.client.get_client_id(), _audience.get())
        return result


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 tokens: ``typ: at+jwt``, ``kid`` of the current key, ``aud`` = the resource."""

    def __init__(self, settings: Settings, keys: KeyStore) -> None:
        ttl = settings.token_ttl
        super().__init__(
            settings.issuer, alg=settings.signing_alg, expires_generator=lambda *_: ttl
        )
        self._keys = keys

    @property
    def alg(self) -> str:
        # Follow the key actually in use, so a rotation to another algorithm just works.
        return self._keys.signing_key().alg

    @alg.setter
    def alg(self, value: str) -> None:  # JWTBearerTokenGenerator assigns it; the key decides
        pass

    def get_jwks(self) -> KeySet:
        return self._keys.signing_keyset()

    def get_audiences(self, client, user, scope) -> str:
        return _audience.get()

    def get_extra_claims(self, client: Client, grant_type, user, scope) -> dict[str, Any]:
        return {"org_id": client.record.org_id} if client.record.org_id else {}

    def get_jti(self, client, grant_type, user, scope) -> str:
        # RFC 9068 §2.2 / RFC 7519 §4.1.7: unique per token. 128 random bits in one
        # os.urandom call; Authlib's default draws 16 characters one SystemRandom call at a
        # time (~30 µs, 17 urandom calls) for about 95 bits.
        return secrets.token_urlsafe(16)


# -- introspection and revocation ------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """An access token we signed, as introspection and revocation see it."""

    claims: dict[str, Any]
    revoked: bool

    def is_expired(self) -> bool:
        return self.claims["exp"] <= time.time()

    def is_revoked(self) -> bool:
        return self.revoked

    def check_client(self, client: Client) -> bool:
        return self.claims.get("client_id") == client.get_client_id()


class TokenReader:
    """Verifies a token string against our own published keys."""

    def __init__(self, settings: Settings, keys: KeyStore, store: Store) -> None:
        self._issuer = settings.issuer
        self._keys = keys
        self._store = store

    def read(self, token: str) -> IssuedToken | None:
        if not isinstance(token, str) or len(token) > 8192:
            return None
        try:
            decoded = jwt.decode(token, self._keys.verification_keyset(), algorithms=SIGNING_ALGS)
        except (JoseError, ValueError, TypeError, KeyError):
            return None
        claims = decoded.claims
        if decoded.header.get("typ") != "at+jwt" or claims.get("iss") != self._issuer:
            return None
        if not isinstance(claims.get("exp"), int) or not isinstance(claims.get("jti"), str):
            return None
        if not isinstance(claims.get("iat"), int) or not isinstance(claims.get("client_id"), str):
            return None
        # RFC 7662 §2.2: inactive once revoked, or once its client is disabled or has had
        # all its tokens revoked (see token_withdrawn).
        withdrawn = self._store.token_withdrawn(claims["client_id"], claims["jti"], claims["iat"])
        return IssuedToken(claims, withdrawn)


class Introspection(IntrospectionEndpoint):
    """RFC 7662. Any authenticated client may introspect (documented in docs/decisions.md)."""

    CLIENT_AUTH_METHODS = list(AUTH_METHODS)

    def __init__(self, reader: TokenReader) -> None:
        super().__init__()
        self._reader = reader

    def query_token(self, token_string, token_type_hint):
        return self._reader.read(token_string)

    def check_permission(self, token, client, request) -> bool:
        return True

    def introspect_token(self, token: IssuedToken) -> dict[str, Any]:
        keep = ("client_id", "sub", "scope", "aud", "iss", "exp", "iat", "jti", "org_id")
        return {"active": True, "token_type": "Bearer"} | {
            k: token.claims[k] for k in keep if k in token.claims
        }


class Revocation(RevocationEndpoint):
    """RFC 7009. A client may revoke only its own tokens (Authlib answers ``invalid_grant``)."""

    CLIENT_AUTH_METHODS = list(AUTH_METHODS)

    def __init__(self, reader: TokenReader, store: Store) -> None:
        super().__init__()
        self._reader = reader
        self._store = store

    def query_token(self, token_string, token_type_hint):
        return self._reader.read(token_string)

    def revoke_token(self, token: IssuedToken, request) -> None:
        self._store.revoke(token.claims["jti"], token.claims["exp"])
        log.info(
            "token revoked client_id=%s jti=%s", token.claims["client_id"], token.claims["jti"]
        )


# -- RFC 7591 dynamic registration ------------------------------------------------------------


class Registration(ClientRegistrationEndpoint):
    """RFC 7591 registration, open only to holders of the initial access token."""

    def __init__(self, settings: Settings, registry: Registry) -> None:
        super().__init__()
        self._settings = settings
        self._registry = registry

    def authenticate_token(self, request) -> bool | None:
        return admin_token_matches(self._settings, request.headers.get("Authorization")) or None

    def get_server_metadata(self) -> dict[str, Any]:
        meta = server_metadata(self._settings)
        meta.pop("response_types_supported")  # no authorization endpoint, nothing to check
        return meta

    def extract_client_metadata(self, request) -> dict[str, Any]:
        data = request.payload.data
        # Authlib assumes well-typed metadata and would fail with a 500 on, say, a numeric
        # scope; RFC 7591 §3.2.2 wants invalid_client_metadata.
        for name, kind in METADATA_TYPES.items():
            if name in data and not isinstance(data[name], kind):
                raise RegistrationMetadataError(f"'{name}' has the wrong type")
        if "jwks" in data and not _importable_jwks(data["jwks"]):
            raise RegistrationMetadataError("'jwks' is not a usable JWK Set")
        data.setdefault("grant_types", [GRANT_TYPE])  # RFC 7591's default is a browser flow
        metadata = super().extract_client_metadata(request)
        resources = data.get("resource")
        if isinstance(resources, str):
            resources = [resources]
        if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
            raise RegistrationMetadataError("'resource' (RFC 8707 audience) is required")
        if not metadata.get("scope"):
            raise RegistrationMetadataError("'scope' is required")
        try:
            registration_policy.check(
                self._settings, self._registry.store, metadata["scope"].split(), resources
            )
        except registration_policy.PolicyViolation as exc:
            log.warning("registration refused: %s", exc)
            raise RegistrationMetadataError(str(exc)) from None
        metadata["resource"] = resources
        return metadata

    def generate_client_id(self, request) -> str:
        return f"dyn-{secrets.token_urlsafe(12)}"

    def generate_client_secret(self, request) -> str | None:
        if request.payload.data.get("token_endpoint_auth_method") == "private_key_jwt":
            return None
        return new_secret()

    def save_client(self, client_info, client_metadata, request):
        try:
            record, _ = self._registry.create(
                client_info["client_id"],
                client_metadata["scope"].split(),
                client_metadata["resource"],
                auth_method=client_metadata.get(
                    "token_endpoint_auth_method", "client_secret_basic"
                ),
                jwks=client_metadata.get("jwks"),
                secret=client_info["client_secret"],
            )
        except RegistryError as exc:
            raise RegistrationMetadataError(str(exc)) from None
        log.warning(
            "client registered (RFC 7591) client_id=%s scope=%r resources=%s auth_method=%s "
            "peer=%s",
            record.client_id,
            " ".join(record.scopes),
            ",".join(record.resources),
            record.auth_method,
            flask_request.remote_addr,
        )
        return record


METADATA_TYPES: dict[str, type] = {
    "scope": str,
    "client_name": str,
    "token_endpoint_auth_method": str,
    "grant_types": list,
    "response_types": list,
    "redirect_uris": list,
    "contacts": list,
    "jwks": dict,
}


def _importable_jwks(jwks: Any) -> bool:
    try:
        return bool(KeySet.import_key_set(jwks).keys)
    except (JoseError, ValueError, TypeError, KeyError):
        return False


def admin_token_matches(settings: Settings, header: str | None) -> bool:
    """RFC 7591 §3: the initial access token, compared in constant time."""
    expected = settings.admin_token
    if not expected or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].encode(), expected.encode())


class RegistrationMetadataError(OAuth2Error):
    error = "invalid_client_metadata"


# -- metadata and assembly ---------------------------------------------------------------------


def server_metadata(settings: Settings) -> dict[str, Any]:
    """RFC 8414 §2 authorization server metadata; ``issuer`` is byte-identical to config."""
    base = settings.base_url
    methods = list(AUTH_METHODS)
    meta: dict[str, Any] = {
        "issuer": settings.issuer,
        # Refuses every request (authorize.py); present because the MCP SDKs require it.
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": settings.token_endpoint,
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "grant_types_supported": [GRANT_TYPE],
        "response_types_supported": [],  # the authorization endpoint supports none
        "scopes_supported": list(settings.scopes),
        "token_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": list(SIGNING_ALGS),
        "introspection_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
    }
    if settings.admin_token:
        meta["registration_endpoint"] = f"{base}/oauth/register"
    return meta


def build_server(
    app: Flask, settings: Settings, store: Store, keys: KeyStore
) -> AuthorizationServer:
    registry = Registry(store, settings.scopes)
    server = AuthorizationServer(app, query_client=registry.find, save_token=lambda *_: None)
    server.register_token_generator("default", AccessTokenGenerator(settings, keys))
    server.register_client_auth_method("client_secret_basic", client_secret_basic(registry))
    server.register_client_auth_method("client_secret_post", client_secret_post(registry))
    server.register_client_auth_method("private_key_jwt", PrivateKeyJWT(settings, store))
    server.register_grant(ClientCredentialsGrant)
    reader = TokenReader(settings, keys, store)
    server.register_endpoint(Introspection(reader))
    server.register_endpoint(Revocation(reader, store))
    server.register_endpoint(Registration(settings, registry))
    return server
