"""Dynamic client registration (RFC 7591), open only to holders of the initial access token.

The initial access token (RFC 7591 §3, ``AUTH_ADMIN_TOKEN``) is compared in constant time;
without one configured, registration is switched off. What a registration may grant is
limited by ``registration_policy.py``. On top of Authlib's endpoint:

- Metadata of the wrong JSON type is ``invalid_client_metadata`` (RFC 7591 §3.2.2), where
  Authlib, assuming well-typed input, would fail with a 500.
- ``grant_types`` defaults to ``client_credentials``: RFC 7591's default is a browser flow.
- ``resource`` (the RFC 8707 audiences) and ``scope`` are required.
- A ``jwks`` must be importable; a ``private_key_jwt`` client gets no secret.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from flask import request as flask_request
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .. import registration_policy
from ..clients import GRANT_TYPE, AuthMethod, Registry, RegistryError, new_secret
from ..config import Settings
from ..storage.interfaces import ClientRecord
from .metadata import server_metadata

log = logging.getLogger(__package__)  # one logger, "auth_server.oauth2", for the OAuth code

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


class RegistrationMetadataError(OAuth2Error):
    """RFC 7591 §3.2.2: the value of a client metadata field is invalid."""

    error = "invalid_client_metadata"


def admin_token_matches(settings: Settings, header: str | None) -> bool:
    """RFC 7591 §3: the initial access token, compared in constant time."""
    expected = settings.admin_token
    if not expected or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].encode(), expected.encode())


class Registration(ClientRegistrationEndpoint):
    """RFC 7591 §3.1, at ``POST /oauth/register``."""

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
        for name, kind in METADATA_TYPES.items():
            if name in data and not isinstance(data[name], kind):
                raise RegistrationMetadataError(f"'{name}' has the wrong type")
        if "jwks" in data and not _importable_jwks(data["jwks"]):
            raise RegistrationMetadataError("'jwks' is not a usable JWK Set")
        data.setdefault("grant_types", [GRANT_TYPE])
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
                self._settings, self._registry.clients, metadata["scope"].split(), resources
            )
        except registration_policy.PolicyViolation as exc:
            log.warning("registration refused: %s peer=%s", exc, flask_request.remote_addr)
            raise RegistrationMetadataError(str(exc)) from None
        metadata["resource"] = resources
        return metadata

    def generate_client_id(self, request) -> str:
        return f"dyn-{secrets.token_urlsafe(12)}"

    def generate_client_secret(self, request) -> str | None:
        if request.payload.data.get("token_endpoint_auth_method") == AuthMethod.PRIVATE_KEY_JWT:
            return None
        return new_secret()

    def save_client(self, client_info, client_metadata, request) -> ClientRecord:
        try:
            record, _ = self._registry.create(
                client_info["client_id"],
                client_metadata["scope"].split(),
                client_metadata["resource"],
                auth_method=client_metadata.get(
                    "token_endpoint_auth_method", AuthMethod.CLIENT_SECRET_BASIC
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


def _importable_jwks(jwks: Any) -> bool:
    try:
        return bool(KeySet.import_key_set(jwks).keys)
    except (JoseError, ValueError, TypeError, KeyError):
        return False
