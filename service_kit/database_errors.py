"""PostgreSQL out of reach: a 503 problem+json, never a traceback, and a clear /healthz.

An authorization decision that needs the database (a key, a flip, a revocation) cannot be
made without it, so the request is refused, not waved through: fail closed. The answer is
a 503 with ``Retry-After``, since nothing is wrong with the request and the pool reconnects
by itself once the database is back. The log gets one line naming the error class, never
the URL (it may carry a password).
"""

from __future__ import annotations

import logging

from flask import Flask, Response

from .postgres import Unavailable
from .problem import problem

log = logging.getLogger(__name__)

TITLE = "Database unavailable"
DETAIL = (
    "The service's PostgreSQL database cannot be reached; requests are refused until it is"
    " back, and the service reconnects by itself."
)
RETRY_AFTER = "2"


def unavailable_response() -> Response:
    response = problem(503, TITLE, DETAIL)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def register(app: Flask) -> None:
    """Answer any ``Unavailable`` raised in a request with the 503 above."""

    def database_unavailable(exc: Exception) -> Response:
        log.warning("database unavailable: %s", type(exc).__name__)
        return unavailable_response()

    for error in Unavailable:
        app.register_error_handler(error, database_unavailable)
