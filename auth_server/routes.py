"""HTTP routes of the authorization server. Protocol logic lives in the ``oauth2`` package.

The three endpoints that authenticate clients carry ``@throttled``
(``client_auth_abuse.py``): repeated failed client authentication gets a 429 there.
"""

from __future__ import annotations

from collections.abc import Callable

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, current_app, jsonify, request

from service_kit.prometheus import exposition

from .client_auth_abuse import registration_throttled, throttled
from .form_checks import check_form_request
from .oauth2.metadata import server_metadata
from .oauth2.registration import admin_token_matches

bp = Blueprint("auth", __name__)


def _server() -> AuthorizationServer:
    return current_app.extensions["authorization_server"]


def _form_endpoint(handler: Callable[[], Response]) -> Response:
    """Run the strict form checks, then Authlib; errors in RFC 6749 §5.2 form."""
    try:
        # The request itself, not the context-local proxy: the checks read it a dozen times.
        check_form_request(request._get_current_object())
    except OAuth2Error as error:
        return _server().handle_error_response(None, error)
    return handler()


@bp.route("/oauth/token", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@throttled
def token() -> Response:
    return _form_endpoint(lambda: _server().create_token_response())


@bp.route("/oauth/introspect", methods=["GET", "POST"])
@throttled
def introspect() -> Response:
    return _form_endpoint(lambda: _server().create_endpoint_response("introspection"))


@bp.route("/oauth/revoke", methods=["GET", "POST"])
@throttled
def revoke() -> Response:
    return _form_endpoint(lambda: _server().create_endpoint_response("revocation"))


@bp.post("/oauth/register")
@registration_throttled
def register() -> Response:
    settings = current_app.extensions["auth_settings"]
    if not settings.admin_token:
        return _oauth_error(404, "invalid_request", "Dynamic registration is not enabled.")
    authorization = request.headers.get("Authorization")
    if not admin_token_matches(settings, authorization):
        # RFC 6750 §3.1: the initial access token is a bearer token.
        response = _oauth_error(401, "invalid_token", "A valid initial access token is required.")
        challenge = 'Bearer error="invalid_token"' if authorization else "Bearer"
        response.headers["WWW-Authenticate"] = challenge
        return response
    if not request.is_json or not isinstance(request.get_json(silent=True), dict):
        return _oauth_error(400, "invalid_client_metadata", "The body must be a JSON object.")
    return _server().create_endpoint_response("client_registration")


@bp.get("/.well-known/oauth-authorization-server")
@bp.get("/.well-known/openid-configuration")
def metadata() -> Response:
    response = jsonify(server_metadata(current_app.extensions["auth_settings"]))
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    response = jsonify(current_app.extensions["key_store"].public_jwks())
    # Short: resource servers also refetch on an unknown kid, but caches should not lag.
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    current_app.extensions["key_store"].signing_key()
    return {"status": "ok"}


@bp.get("/metrics")
def prometheus() -> Response:
    body, content_type = exposition()
    return Response(body, content_type=content_type)


def _oauth_error(status: int, error: str, description: str) -> Response:
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
