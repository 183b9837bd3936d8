"""Failed client authentication: logged, counted, and throttled per (client_id, peer).

Every 401 from the token, introspection and revocation endpoints is logged with the
client id as sent, the reason and the peer address — never the secret or the assertion —
and counted in ``auth_client_auth_failures_total{endpoint,reason}`` (no client id label:
it is attacker-chosen text). The ``limits`` library counts only those failures against
``AUTH_CLIENT_AUTH_FAILURE_LIMIT`` (default 20 per minute, fixed window) per
(client_id, peer), in the SQLite file every worker shares (``throttle_storage.py``). Once
over, the request is refused before its credentials are checked: 429 with ``Retry-After``
and RFC 6749 §5.2 JSON. The key includes the peer, so an attacker cannot lock the real
client out from elsewhere; the price is that the real client sharing the attacker's address
is throttled too (see docs/decisions.md).

``limits`` is used directly rather than through Flask-Limiter: the extension's generic
per-request machinery (a before-request pass over every limit, exemption scopes, header
injection) cost about 400 µs of the token endpoint's CPU per token, more than signing it;
the two calls made here — ``test`` before the view, ``hit`` after a 401 — are what it did
for this one limit (docs/performance.md, "Token endpoint").
"""

from __future__ import annotations

import base64
import json
import logging
import math
import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import parse_qsl

from flask import Flask, Response, g, jsonify, request
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter

from . import metrics
from .config import Settings
from .throttle_storage import SQLiteStorage

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


class FailureBudget:
    """One fixed-window budget of failed client authentications per (client id, peer)."""

    SCOPE = "client-auth-failures"

    def __init__(self, settings: Settings) -> None:
        path = (settings.data_dir / "auth.db").resolve()
        self._limiter = FixedWindowRateLimiter(SQLiteStorage(f"sqlite:///{path}"))
        self._item: RateLimitItem = parse(settings.client_auth_failure_limit)

    def exhausted(self, key: str) -> bool:
        return not self._limiter.test(self._item, self.SCOPE, key)

    def spend(self, key: str) -> None:
        self._limiter.hit(self._item, self.SCOPE, key)

    def retry_after(self, key: str) -> int:
        """Seconds until the window ends, at least 1 and never more than the window."""
        reset = self._limiter.get_window_stats(self._item, self.SCOPE, key).reset_time
        return max(1, min(math.ceil(reset - time.time()), self._item.get_expiry()))


def _key() -> str:
    if "client_auth_key" not in g:
        g.client_auth_key = f"{sent_client_id()}|{request.remote_addr}"
    return g.client_auth_key


def _throttled(retry_after: int) -> Response:
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


def _guarded(budget: FailureBudget, view: Callable[..., Response]) -> Callable[..., Response]:
    """Over budget: 429 before the view runs, so the credentials are not even checked."""

    @wraps(view)
    def guarded(*args, **kwargs) -> Response:
        key = _key()
        if budget.exhausted(key):
            return _throttled(budget.retry_after(key))
        return view(*args, **kwargs)

    return guarded


def _count_failure(budget: FailureBudget, response: Response) -> Response:
    if request.endpoint in ENDPOINTS and response.status_code == 401:
        budget.spend(_key())
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


def install(app: Flask, settings: Settings) -> FailureBudget:
    """Wrap the client-authenticating views in one shared failure budget."""
    budget = FailureBudget(settings)
    for endpoint in ENDPOINTS:
        app.view_functions[endpoint] = _guarded(budget, app.view_functions[endpoint])
    app.after_request(lambda response: _count_failure(budget, response))
    return budget
