"""Failed client authentication: logged, counted and throttled — never the owner.

Every 401 from the token, introspection and revocation endpoints is logged with the
client id as sent, the reason and the peer address — never the secret or the assertion —
and counted in ``auth_client_auth_failures_total{endpoint,reason}`` (no client id label:
it is attacker-chosen text). Each failure is spent from two budgets of
``AUTH_CLIENT_AUTH_FAILURE_LIMIT`` (default 20 per minute, fixed window) in the
``FailureBudget`` every worker shares (``storage/throttle.py``): one per peer address, one
per client id as sent.

The credentials are always checked, and a correct one always gets its answer: the budget
turns an over-budget *failure* into 429 with ``Retry-After`` (RFC 6749 §5.2 JSON), it never
refuses before the check. So nobody locks a client out by failing in its name, from any
address — not behind the proxy, where every caller once had the proxy's address, and not on
the local stack, where every caller is 127.0.0.1. Guessing is not what the budget stops:
every secret is 256 random bits made here (``clients.py``) and every assertion is signed, so
there is nothing to guess. What it bounds is the cost of a flood — once over budget a
failure writes no more rows and no more log lines, it costs a SHA-256 (or one signature
check) and an indexed read — and it tells a broken or hostile caller to back off
(docs/decisions.md, "No lockout by a stranger").

The peer is ``request.remote_addr``: the socket's address, or behind ``AUTH_TRUSTED_PROXIES``
proxies the address they forwarded (``service_kit.edge``).

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

from flask import Response, after_this_request, current_app, jsonify, request

from . import metrics
from .oauth2.client_auth import basic_credentials, failure_reason
from .storage.interfaces import FailureBudget

log = logging.getLogger(__name__)

MAX_ID_CHARS = 128
EXTENSION = "client_auth_budget"  # app.extensions key of the shared FailureBudget


def sent_client_id() -> str:
    """The client id the caller claims: Basic user, assertion ``sub``, or form ``client_id``.

    An assertion's ``sub`` comes before a form ``client_id`` because it is the id actually
    authenticated (the two must match, RFC 7521 §4.2). Unverified by design — this is for
    logs and throttling keys, never for authorization.
    """
    creds = basic_credentials(request.headers.get("Authorization"))
    if creds:
        return creds[0][:MAX_ID_CHARS]
    form = dict(parse_qsl(request.get_data(cache=True).decode("utf-8", "replace")))
    assertion = form.get("client_assertion", "")
    if not assertion:
        return form.get("client_id", "")[:MAX_ID_CHARS] or "-"
    try:
        part = assertion.split(".")[1]
        sub = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))).get("sub")
    except (IndexError, ValueError, AttributeError):
        return "-"
    return str(sub)[:MAX_ID_CHARS] if sub else "-"


def _keys() -> tuple[str, str]:
    """The two budgets a failure spends from: its peer's and its claimed client id's."""
    return f"peer|{request.remote_addr}", f"client|{sent_client_id()}"


def _throttled(budget: FailureBudget, spent: list[str]) -> Response:
    retry_after = max(budget.retry_after(key) for key in spent)
    metrics.CLIENT_AUTH_THROTTLED.labels(endpoint=request.endpoint or "-").inc()
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
    """Guard a client-authenticating view with the app's shared failure budgets.

    The view always runs, so correct credentials are always accepted. A 401 answer — from
    the view or an error handler — spends one failure from each budget, or becomes 429
    once either is spent.
    """

    @wraps(view)
    def guarded(*args, **kwargs) -> Response:
        budget: FailureBudget = current_app.extensions[EXTENSION]
        after_this_request(lambda response: _count_failure(budget, response))
        return view(*args, **kwargs)

    return guarded


def _count_failure(budget: FailureBudget, response: Response) -> Response:
    if response.status_code != 401:
        return response
    keys = _keys()
    spent = [key for key in keys if budget.exhausted(key)]
    if spent:
        return _throttled(budget, spent)  # no row written, no line logged: bounded cost
    reason = failure_reason() or _fallback_reason()
    metrics.CLIENT_AUTH_FAILURES.labels(endpoint=request.endpoint, reason=reason).inc()
    for key in keys:
        budget.spend(key)
    log.warning(
        "client authentication failed client_id=%r reason=%s peer=%s endpoint=%s",
        sent_client_id(),
        reason,
        request.remote_addr,
        request.path,
    )
    for key in keys:
        if budget.exhausted(key):
            log.warning(
                "client authentication budget spent for %r endpoint=%s retry_after=%d: "
                "further failures answer 429, correct credentials are still accepted",
                key,
                request.path,
                budget.retry_after(key),
            )
    return response


def registration_throttled(view: Callable[..., Response]) -> Callable[..., Response]:
    """Guard RFC 7591 registration: wrong initial access tokens are logged, counted, limited.

    Unlike client secrets, the initial access token is operator-chosen (``AUTH_ADMIN_TOKEN``,
    32 characters at least), so guessing is what this budget stops: per peer address, an
    over-budget caller gets 429 before the token is compared. Only that address waits; the
    operator elsewhere registers on.
    """

    @wraps(view)
    def guarded(*args, **kwargs) -> Response:
        budget: FailureBudget = current_app.extensions[EXTENSION]
        key = f"register|{request.remote_addr}"
        if budget.exhausted(key):
            return _throttled(budget, [key])
        after_this_request(lambda response: _count_registration_failure(budget, key, response))
        return view(*args, **kwargs)

    return guarded


def _count_registration_failure(budget: FailureBudget, key: str, response: Response) -> Response:
    if response.status_code == 401:
        budget.spend(key)
        sent = request.headers.get("Authorization")
        reason = "wrong initial access token" if sent else "no initial access token"
        metrics.CLIENT_AUTH_FAILURES.labels(endpoint=request.endpoint, reason=reason).inc()
        log.warning("registration refused: %s peer=%s", reason, request.remote_addr)
    return response


def _fallback_reason() -> str:
    form = dict(parse_qsl(request.get_data(cache=True).decode("utf-8", "replace")))
    if "client_assertion" in form:
        return "client assertion refused"
    return "no client credentials"
