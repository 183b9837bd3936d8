"""Failed client authentication: logged, counted, and throttled per (client_id, peer).

Every 401 from the token, introspection and revocation endpoints is logged with the
client id as sent, the reason and the peer address — never the secret or the assertion —
and counted in ``auth_client_auth_failures_total{endpoint,reason}`` (no client id label:
it is attacker-chosen text). Only those failures count against
``AUTH_CLIENT_AUTH_FAILURE_LIMIT`` (default 20 per minute, fixed window) per
(client_id, peer), in the ``FailureBudget`` every worker shares
(``storage/throttle.py``). Once over, the request is refused before its credentials are
checked: 429 with ``Retry-After`` and RFC 6749 §5.2 JSON. The key includes the peer, so an
attacker cannot lock the real client out from elsewhere; the price is that the real client
sharing the attacker's address is throttled too (see docs/decisions.md).

``routes.py`` applies ``throttled`` to each client-authenticating endpoint, where the route
is declared.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from functools import wraps
from urllib.parse import parse_qsl

from flask import Response, after_this_request, current_app, g, jsonify, request

from . import metrics
from .oauth2.client_auth import basic_credentials, failure_reason
from .storage.interfaces import FailureBudget

log = logging.getLogger(__name__)

MAX_ID_CHARS = 128
EXTENSION = "client_auth_budget"  # app.extensions key of the shared FailureBudget


def sent_client_id() -> str:
    """The client id the caller claims: Basic user, form ``client_id``, or assertion ``sub``.

    Unverified by design — this is for logs and throttling keys, never for authorization.
    """
    creds = basic_credentials(request.headers.get("Authorization"))
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


def throttled(view: Callable[..., Response]) -> Callable[..., Response]:
    """Guard a client-authenticating view with the app's shared failure budget.

    Over budget: 429 before the view runs, so the credentials are not even checked.
    Otherwise a 401 answer — from the view or an error handler — spends one failure.
    """

    @wraps(view)
    def guarded(*args, **kwargs) -> Response:
        budget: FailureBudget = current_app.extensions[EXTENSION]
        key = _key()
        if budget.exhausted(key):
            return _throttled(budget.retry_after(key))
        after_this_request(lambda response: _count_failure(budget, response))
        return view(*args, **kwargs)

    return guarded


def _count_failure(budget: FailureBudget, response: Response) -> Response:
    if response.status_code == 401:
        budget.spend(_key())
        reason = failure_reason() or _fallback_reason()
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
