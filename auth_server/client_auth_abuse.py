"""Failed client authentication: logged, counted, and throttled per (client_id, peer).

Every 401 from the token, introspection and revocation endpoints is logged with the
client id as sent, the reason and the peer address — never the secret or the assertion —
and counted in ``auth_client_auth_failures_total{endpoint,reason}`` (no client id label:
it is attacker-chosen text). Flask-Limiter counts only those failures (``deduct_when``)
against ``AUTH_CLIENT_AUTH_FAILURE_LIMIT`` (default 20 per minute) per (client_id, peer),
in the SQLite file every worker shares (``throttle_storage.py``). Once over, the request is
refused before its credentials are checked: 429 with ``Retry-After`` and RFC 6749 §5.2
JSON. The key includes the peer, so an attacker cannot lock the real client out from
elsewhere; the price is that the real client sharing the attacker's address is throttled
too (see docs/decisions.md).
"""

from __future__ import annotations

import base64
import json
import logging
import math
import time
from urllib.parse import parse_qsl

from flask import Flask, Response, g, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit

from . import metrics
from . import throttle_storage as _storage  # noqa: F401 - registers the sqlite:// scheme
from .config import Settings

log = logging.getLogger(__name__)

ENDPOINTS = ("auth.token", "auth.introspect", "auth.revoke")
MAX_ID_CHARS = 128


def note_failure(reason: str) -> None:
    """Called by a client authentication method that applied to this request and failed."""
    g.client_auth_failure = reason


def sent_client_id() -> str:
    """The client id the caller claims: Basic user, form ``client_id``, or assertion ``sub``.

    Unverified by design — this is for logs and throttling keys, never for authorization.
    """
    from .oauth2 import _basic_credentials  # one parser for Basic, RFC 6749 §2.3.1

    creds = _basic_credentials(request.headers.get("Authorization"))
    if creds:
        return creds[0][:MAX_ID_CHARS]
    form = dict(parse_qsl(request.get_data(cache=True).decode("utf-8", "replace")))
    if form.get("client_id"):
        return form["client_id"][:MAX_ID_CHARS]
    assertion = form.get("client_assertion", "")
    try:
        part = assertion.split(".")[1]
        sub = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))).get("sub")
    except (IndexError, ValueError, AttributeError):
        return "-"
    return str(sub)[:MAX_ID_CHARS] if sub else "-"


def _key() -> str:
    return f"{sent_client_id()}|{request.remote_addr}"


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _throttled(limit: RequestLimit) -> Response:
    # flask-limiter rounds reset_at up to the next second; never say more than the window.
    retry_after = max(1, min(math.ceil(limit.reset_at - time.time()), limit.limit.get_expiry()))
    metrics.CLIENT_AUTH_THROTTLED.labels(endpoint=request.endpoint or "-").inc()
    log.warning(
        "client authentication throttled client_id=%r peer=%s endpoint=%s retry_after=%d",
        sent_client_id(),
        request.remote_addr,
        request.path,
        retry_after,
    )
    # RFC 6749 §5.2 shape. No error code there fits "too many failures"; OAuth's
    # "temporarily_unavailable" (§4.1.2.1) says "retry later", which is what we mean.
    response = jsonify(
        error="temporarily_unavailable",
        error_description="Too many failed client authentications; retry later.",
    )
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def _log_failure(response: Response) -> Response:
    if request.endpoint in ENDPOINTS and response.status_code == 401:
        reason = g.get("client_auth_failure") or _fallback_reason()
        metrics.CLIENT_AUTH_FAILURES.labels(endpoint=request.endpoint, reason=reason).inc()
        log.warning(
            "client authentication failed client_id=%r reason=%s peer=%s endpoint=%s",
            sent_client_id(),
            reason,
            request.remote_addr,
            request.path,
        )
    return response


def _fallback_reason() -> str:
    form = dict(parse_qsl(request.get_data(cache=True).decode("utf-8", "replace")))
    if "client_assertion" in form:
        return "client assertion refused"
    return "no client credentials"


def install(app: Flask, settings: Settings) -> Limiter:
    """Wrap the client-authenticating views in one shared failure budget."""
    limiter = Limiter(
        _key,
        app=app,
        storage_uri=f"sqlite:///{(settings.data_dir / 'auth.db').resolve()}",
        strategy="fixed-window",
        key_prefix="client-auth",
    )
    limit = limiter.shared_limit(
        settings.client_auth_failure_limit,
        scope="client-auth-failures",
        deduct_when=_failed,
        on_breach=_throttled,
    )
    for endpoint in ENDPOINTS:
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    app.after_request(_log_failure)
    # More specific than the app's HTTPException handler, so the 429 keeps its RFC shape.
    app.register_error_handler(RateLimitExceeded, lambda exc: exc.response)
    return limiter
