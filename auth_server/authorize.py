"""An authorization endpoint that exists only to say no.

This AS issues tokens through the client-credentials grant alone, so RFC 8414 lets its
metadata omit ``authorization_endpoint``. The official MCP SDK clients (2.x and 1.x) parse
metadata into a model where that field is required and refuse the whole document without
it, even when they will only ever use the token endpoint. So the endpoint is
advertised, and every request to it is refused here, directly and never by redirect:
RFC 6749 §4.1.2.1 forbids redirecting to an unverified ``redirect_uri``, and no client of
this AS has one.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

bp = Blueprint("authorize", __name__)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    values = request.values
    if "response_type" not in values:
        error, description = "invalid_request", "response_type is required."
    else:
        # RFC 6749 §4.1.2.1 / §4.2.2.1: the AS does not support obtaining an authorization
        # code (or any other response type) with this method.
        error = "unsupported_response_type"
        description = (
            "This authorization server has no user-facing flows: it issues tokens only "
            "with the client-credentials grant at its token endpoint."
        )
    response = jsonify(error=error, error_description=description)
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response
