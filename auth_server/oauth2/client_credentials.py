"""The client-credentials grant (RFC 6749 §4.4), the only grant this AS offers.

Authlib's grant authenticates the client and checks the grant type; this one adds:

- ``scope`` must be a subset of the client's scopes, else ``invalid_scope`` (RFC 6749 §3.3).
- ``resource`` (RFC 8707 §2) must be one of the client's registered resources, else
  ``invalid_target``; absent, the client's default. One resource per token.
- No refresh token (RFC 6749 §4.4.3), one audit log line and one metric per token.
"""

from __future__ import annotations

import logging

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidScopeError, grants

from .. import metrics
from ..clients import AUTH_METHODS, Client
from .access_tokens import requested_audience

log = logging.getLogger(__package__)  # one logger, "auth_server.oauth2", for the OAuth code


class InvalidTargetError(OAuth2Error):
    """RFC 8707 §2: the requested resource is invalid, unknown or not allowed."""

    error = "invalid_target"


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
            registered = ", ".join(client.record.resources)
            raise InvalidTargetError(
                f"This client may not request tokens for {resource}; it is registered for:"
                f" {registered}. Send one of those as resource (RFC 8707)."
            )
        requested_audience.set(resource)

    def create_token_response(self):
        result = super().create_token_response()
        client_id = self.client.get_client_id()
        metrics.TOKENS_ISSUED.labels(client_id=client_id).inc()
        log.info("token issued client_id=%s aud=%s", client_id, requested_audience.get())
        return result
