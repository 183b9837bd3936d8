"""The Flask side of the resource server: the ``require`` decorator and the RFC 9745 headers.

``require(scope)`` asks the ``Authenticator`` (``app.extensions["authenticator"]``), hands
the decision to the recorder once, and keeps the principal in ``g`` for the view and the
access log. ``deprecation_headers`` marks every API-key response once keys are deprecated.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, g, request

from .authenticator import Authenticator
from .decision import Refused


def require(scope: str, admin: bool = False) -> Callable:
    """Route decorator: authenticate, check ``scope``, record the decision."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            auth: Authenticator = current_app.extensions["authenticator"]
            try:
                principal = auth.authenticate(scope, admin)
            except Refused as refused:
                g.client_id, g.auth_method = refused.client_id, refused.credential or "none"
                if refused.credential is not None:
                    auth.recorder.refused(refused.client_id, refused.credential, refused.issuer)
                return refused.response
            g.principal = principal
            g.client_id, g.auth_method = principal.client_id, principal.credential
            auth.recorder.accepted(principal, f"{request.method} {request.url_rule.rule}", scope)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def deprecation_headers(response: Response) -> Response:
    """RFC 9745 ``Deprecation`` on API-key responses once keys are deprecated (any mode but
    ``api_key``), plus RFC 8594 ``Sunset`` when a date is configured, and a ``Link`` to the
    migration guide."""
    since = g.get("api_key_deprecated_since")
    if since is None:
        return response
    auth: Authenticator = current_app.extensions["authenticator"]
    docs = auth.settings.migration_docs_url
    response.headers["Deprecation"] = f"@{since}"
    links = [f'<{docs}>; rel="deprecation"; type="text/html"']
    sunset = auth.cutoff.sunset_http_date() if auth.cutoff else None  # an extension moves it
    if sunset:
        response.headers["Sunset"] = sunset
        links.append(f'<{docs}>; rel="sunset"; type="text/html"')
    response.headers["Link"] = ", ".join(links)
    return response
