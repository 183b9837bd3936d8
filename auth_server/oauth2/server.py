"""Authlib's ``AuthorizationServer``, assembled from this package's modules.

The one place that knows every piece: client authentication methods, the grant and its
token generator, and the introspection, revocation and registration endpoints, each given
the storage Protocols it needs and nothing more. ``save_token`` does nothing: access tokens
are self-contained JWTs (RFC 9068), and revocation records only what it withdraws.
"""

from __future__ import annotations

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request
from authlib.oauth2.rfc6749 import InvalidClientError
from flask import Flask
from flask import request as flask_request

from ..clients import AuthMethod, Registry
from ..config import Settings
from ..storage.interfaces import ClientStore, SigningKeys, SpentAssertions, TokenRevocations
from .access_tokens import AccessTokenGenerator
from .client_auth import client_secret_basic, client_secret_post
from .client_credentials import ClientCredentialsGrant
from .introspection import Introspection
from .issued_tokens import TokenReader
from .private_key_jwt import PrivateKeyJWT
from .registration import Registration
from .revocation import Revocation


class Server(AuthorizationServer):
    """Authlib's server, with a client-authentication failure worded for a person: Authlib
    says "cannot authenticate with methods: [...]", a Python list.

    Authlib's request wrapper gets the request object itself rather than Flask's
    context-local proxy, which it would otherwise go through on each of the dozens of
    attribute reads a token takes (docs/performance.md, "Token endpoint above its floor").
    """

    def create_oauth2_request(self, request) -> FlaskOAuth2Request:
        return FlaskOAuth2Request(flask_request._get_current_object())

    def authenticate_client(self, request, methods, endpoint="token"):
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as exc:
            if str(exc.description).startswith("The client cannot authenticate with methods"):
                exc.description = (
                    "Client authentication failed: unknown client, wrong secret, or a method"
                    f" the client is not registered for (accepted here: {', '.join(methods)})."
                )
            raise


def build_server(
    app: Flask,
    settings: Settings,
    *,
    clients: ClientStore,
    revocations: TokenRevocations,
    spent_assertions: SpentAssertions,
    keys: SigningKeys,
) -> AuthorizationServer:
    registry = Registry(clients, settings.scopes)
    server = Server(app, query_client=registry.find, save_token=lambda *_: None)
    server.register_token_generator("default", AccessTokenGenerator(settings, keys))
    server.register_client_auth_method(
        AuthMethod.CLIENT_SECRET_BASIC.value, client_secret_basic(registry)
    )
    server.register_client_auth_method(
        AuthMethod.CLIENT_SECRET_POST.value, client_secret_post(registry)
    )
    server.register_client_auth_method(
        AuthMethod.PRIVATE_KEY_JWT.value, PrivateKeyJWT(settings, spent_assertions)
    )
    server.register_grant(ClientCredentialsGrant)
    reader = TokenReader(settings, keys, revocations)
    server.register_endpoint(Introspection(reader))
    server.register_endpoint(Revocation(reader, revocations))
    server.register_endpoint(Registration(settings, registry))
    return server
