"""PostgreSQL out of reach: a 503 problem+json, never a traceback, and a clear /healthz.

An authorization decision that needs the database (a key, a flip, a revocation) cannot be
made without it, so the request is refused, not waved through: fail closed. The answer is
a 503 with ``Retry-After``, since nothing is wrong with the request and the pool reconnects
by itself once the database is back. The log gets one line naming the error class, never
the URL (it may carry a password).

psycopg is imported only by a process whose stores are on PostgreSQL: on SQLite (the demo,
the workshop) every worker and admin CLI would otherwise pay ~0.4 s of CPU at start for a
driver it never uses. So these helpers name psycopg's errors only once it is loaded.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask, Response

from .database_settings import DatabaseSettings
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


def unavailable_errors() -> tuple[type[Exception], ...]:
    """The errors that mean "PostgreSQL is not there right now" (``postgres.Unavailable``),
    or none while this process has not loaded the PostgreSQL code: then nothing can raise
    them. Meant for ``except unavailable_errors():``, evaluated when an exception passes."""
    postgres = sys.modules.get(f"{__package__}.postgres")
    return postgres.Unavailable if postgres is not None else ()


def register(app: Flask, database: DatabaseSettings) -> None:
    """On PostgreSQL, answer any ``Unavailable`` raised in a request with the 503 above."""
    if not database.postgres:
        return
    from .postgres import Unavailable  # psycopg, for a service on PostgreSQL only

    def database_unavailable(exc: Exception) -> Response:
        log.warning("database unavailable: %s", type(exc).__name__)
        return unavailable_response()

    for error in Unavailable:
        app.register_error_handler(error, database_unavailable)
