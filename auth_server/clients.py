"""The client registry: what a client may ask for, and how its secret is checked.

Secrets are 256 random bits, so a single SHA-256 is the right hash: there is nothing to
brute-force, and bcrypt would only make every token request slower. Comparison is
constant-time, and an unknown client id is checked against a dummy hash so that it costs
the same and answers the same as a wrong secret.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .storage.interfaces import ClientRecord, ClientStore

log = logging.getLogger(__name__)


class AuthMethod(StrEnum):
    """RFC 7591 §2 ``token_endpoint_auth_method`` values this AS supports."""

    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 - a method name; RFC 6749 §2.3.1
    CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105 - a method name; in the body
    PRIVATE_KEY_JWT = "private_key_jwt"  # RFC 7523 §2.2, OIDC Core §9


AUTH_METHODS: tuple[str, ...] = tuple(method.value for method in AuthMethod)
GRANT_TYPE = "client_credentials"
_DUMMY_HASH = hashlib.sha256(b"no such client").hexdigest()


def new_secret() -> str:
    """A client secret with 256 bits of randomness, URL-safe so Basic auth needs no escaping."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str | None) -> bool:
    """Constant-time check; a missing hash still spends the same work."""
    candidate = hash_secret(secret)
    return hmac.compare_digest(candidate, secret_hash or _DUMMY_HASH) and secret_hash is not None


@dataclass(frozen=True)
class Client(ClientMixin):
    """Authlib's view of a registered client (RFC 6749 §2)."""

    record: ClientRecord

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # no browser flows here

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == GRANT_TYPE

    def check_client_secret(self, client_secret: str) -> bool:
        return secret_matches(client_secret, self.record.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # One registered method for every endpoint (token, introspection, revocation).
        return method == self.record.auth_method

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """RFC 6749 §3.3: no scope means the client's full set. A request reaching beyond it
        is narrowed to what the client holds, and the token response's ``scope`` says so
        (as Keycloak does): an agent stepping up to a scope it may never have keeps a
        working token instead of a dead session. Nothing in common is ``invalid_scope``."""
        if not scope:
            return " ".join(self.record.scopes)
        held = set(self.record.scopes)
        granted = [s for s in dict.fromkeys(scope.split()) if s in held]
        return " ".join(granted) or None  # None: Authlib answers invalid_scope

    @property
    def default_resource(self) -> str:
        return self.record.resources[0]


class RegistryError(ValueError):
    """A registration request that cannot be honoured, in words for the operator."""


class Registry:
    """Registers and withdraws clients in a ``ClientStore``; Authlib finds them here."""

    def __init__(self, clients: ClientStore, scopes_supported: tuple[str, ...]) -> None:
        self.clients = clients
        self.scopes_supported = scopes_supported

    def find(self, client_id: str) -> Client | None:
        """The active client with this id; disabled clients do not exist for OAuth."""
        record = self.clients.get_client(client_id)
        if record is None or record.disabled:
            return None
        return Client(record)

    def create(
        self,
        client_id: str,
        scopes: list[str],
        resources: list[str],
        org_id: str | None = None,
        auth_method: str = AuthMethod.CLIENT_SECRET_BASIC,
        jwks: dict | None = None,
        secret: str | None = None,
    ) -> tuple[ClientRecord, str | None]:
        """Register a client; returns the record and the secret, which is never stored.

        ``secret`` lets RFC 7591 registration hand out the secret it generated itself.
        """
        _check_client_id(client_id)
        if auth_method not in AUTH_METHODS:
            raise RegistryError(f"auth method must be one of {', '.join(AUTH_METHODS)}")
        if not scopes:
            raise RegistryError("a client needs at least one scope")
        unknown = set(scopes) - set(self.scopes_supported)
        if unknown:
            raise RegistryError(f"unknown scope(s) {' '.join(sorted(unknown))}; see AUTH_SCOPES")
        if not resources:
            raise RegistryError("a client needs at least one resource (RFC 8707 audience)")
        for resource in resources:
            check_resource(resource)
        if auth_method == AuthMethod.PRIVATE_KEY_JWT and not _usable_jwks(jwks):
            raise RegistryError("private_key_jwt needs the client's public keys (a JWK Set)")
        if auth_method == AuthMethod.PRIVATE_KEY_JWT:
            secret = None
        elif secret is None:
            secret = new_secret()
        record = ClientRecord(
            client_id=client_id,
            secret_hash=hash_secret(secret) if secret else None,
            scopes=tuple(dict.fromkeys(scopes)),
            resources=tuple(dict.fromkeys(resources)),
            org_id=org_id,
            auth_method=str(auth_method),
            jwks=jwks,
            disabled=False,
            created_at=int(time.time()),
        )
        if not self.clients.add_client(record):
            raise RegistryError(f"client {client_id!r} already exists")
        return record, secret

    def rotate_secret(self, client_id: str) -> str:
        record = self.clients.get_client(client_id)
        if record is None:
            raise RegistryError(f"no client {client_id!r}")
        if record.auth_method == AuthMethod.PRIVATE_KEY_JWT:
            raise RegistryError(f"{client_id!r} authenticates with a key, not a secret")
        secret = new_secret()
        self.clients.set_secret_hash(client_id, hash_secret(secret))
        return secret

    def disable(self, client_id: str) -> None:
        if not self.clients.disable_client(client_id):
            raise RegistryError(f"no client {client_id!r}")
        log.warning("client disabled client_id=%s (its tokens are now inactive)", client_id)

    def revoke_tokens(self, client_id: str) -> None:
        """Make every token issued to the client so far inactive (RFC 7662 ``active: false``)."""
        if not self.clients.revoke_client_tokens(client_id, int(time.time())):
            raise RegistryError(f"no client {client_id!r}")
        log.warning("all tokens revoked client_id=%s", client_id)


def check_resource(resource: str) -> None:
    """RFC 8707 §2: a resource is an absolute URI without a fragment."""
    parts = urlsplit(resource)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise RegistryError(f"resource {resource!r} must be an absolute http(s) URL, no fragment")


def _usable_jwks(jwks: dict | None) -> bool:
    """A JWK Set of public keys only: a private member here would be a leaked key."""
    try:
        keys = KeySet.import_key_set(jwks).keys if jwks else []
    except (JoseError, ValueError, TypeError, KeyError):
        return False
    return bool(keys) and all(not key.is_private for key in keys)


def _check_client_id(client_id: str) -> None:
    if not client_id or len(client_id) > 128 or not client_id.isprintable() or " " in client_id:
        raise RegistryError("client id must be 1-128 printable characters without spaces")


def public_view(record: ClientRecord) -> dict:
    """What `clients list` shows: never the hash."""
    data = replace(record, secret_hash=None).__dict__.copy()
    data.pop("secret_hash")
    data["scopes"] = " ".join(record.scopes)
    data["resources"] = list(record.resources)
    return data
