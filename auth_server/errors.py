"""One error shape for the whole server: RFC 6749 §5.2 JSON, never an HTML page or a trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
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
