"""One error shape for the whole server: RFC 6749 §5.2 JSON, never an HTML page or a trace."""

from __future__ import annotations

import logging

from authlib.oauth2 import OAuth2Error
from flask import Flask, Response, json, jsonify
from werkzeug.exceptions import HTTPException

from service_kit import database_errors
from service_kit.database_settings import DatabaseSettings

log = logging.getLogger(__name__)


def register(app: Flask, database: DatabaseSettings) -> None:
    database_errors.register(app, database)  # 503 problem+json while PostgreSQL is out of reach

    @app.errorhandler(OAuth2Error)
    def oauth_error(exc: OAuth2Error):
        # Raised outside an endpoint's own handling, e.g. Authlib's https check
        # (insecure_transport) while it parses the request.
        status, body, headers = exc()
        return Response(json.dumps(body), status=status, headers=headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        error = "invalid_request" if exc.code and exc.code < 500 else "server_error"
        response = jsonify(error=error, error_description=exc.description)
        response.status_code = exc.code or 500
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        response = jsonify(error="server_error", error_description="Unexpected error.")
        response.status_code = 500
        response.headers["Cache-Control"] = "no-store"
        return response
