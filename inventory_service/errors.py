"""One error shape: RFC 9457 problem+json, except OAuth errors, which keep RFC 6750's form.

No handler here ever shows a stack trace; an unexpected error is logged and answered 500.
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from service_kit import database_errors
from service_kit.database_settings import DatabaseSettings
from service_kit.problem import problem

log = logging.getLogger(__name__)


def register(app: Flask, database: DatabaseSettings) -> None:
    database_errors.register(app, database)  # 503 while PostgreSQL is out of reach

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return problem(exc.code or 500, exc.name, exc.description)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "Internal Server Error", "Unexpected error; see the server log.")
