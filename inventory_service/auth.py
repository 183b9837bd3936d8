"""Who is calling, and may they? Both credential kinds, the auth modes, the answers.

* ``Authorization: Bearer <jwt>`` — validated in ``tokens.py`` (RFC 9068 with PyJWT); one
  carrying ``inventory:admin`` is also confirmed by introspection (``introspection.py``).
* ``X-API-Key: <key>`` — the legacy credential, looked up in ``api_keys.py``.
* A request carrying both is judged on the token alone (the key is ignored, not counted).
* The effective mode (a client's pin, else the global mode; see ``flags.py``) says which
  kinds are accepted. Admin endpoints want a token whatever the mode, so a team can always
  flip the flags through the API.

Answers follow RFC 6750 §3: 401 with ``WWW-Authenticate: Bearer resource_metadata=...``
(RFC 9728 §5.1) and no error code when no credentials came; ``error="invalid_token"`` for a
bad token; 403 ``error="insufficient_scope"`` with the scope needed. A refused API key gets
problem+json saying why (the mode) and where the migration guide is. Every decision is
counted in the usage ledger and in Prometheus.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Response, current_app, g, jsonify, request

from service_kit.problem import problem

from . import metrics
from .api_keys import ApiKeys
from .config import Settings
from .cutoff import Cutoff
from .flags import AuthModes, accepts
from .introspection import IntrospectionUnavailable, Introspector
from .ledger import Ledger
from .tokens import InvalidToken, TokenValidator
from .usage_detail import UsageDetail

# RFC 6750 §2.1 b64token
_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*)")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Principal:
    client_id: str
    method: str  # "token" or "api_key"
    scopes: frozenset[str]
    key_id: str = ""  # the API key's id; "" for tokens


class Denied(Exception):
    def __init__(self, response: Response, client_id: str, method: str) -> None:
        super().__init__(response.status_code)
        self.response = response
        self.client_id = client_id
        self.method = method


@dataclass
class Authenticator:
    settings: Settings
    tokens: TokenValidator
    api_keys: ApiKeys
    modes: AuthModes
    ledger: Ledger
    introspector: Introspector
    usage_detail: UsageDetail | None = None  # scopes/endpoints used (issue 12)
    cutoff: Cutoff | None = None  # sunset and brownouts (issue 12)

    # -- challenges ------------------------------------------------------------------------

    def _challenge(self, error: str | None = None, scope: str | None = None) -> str:
        params = []
        if error:
            params.append(f'error="{error}"')
        if scope:
            params.append(f'scope="{scope}"')
        params.append(f'resource_metadata="{self.settings.resource_metadata_url}"')
        return "Bearer " + ", ".join(params)

    def _oauth_error(
        self, status: int, error: str, description: str, scope: str | None = None
    ) -> Response:
        response = jsonify(error=error, error_description=description)
        response.status_code = status
        response.headers["WWW-Authenticate"] = self._challenge(error, scope)
        return response

    def _key_refused(
        self, status: int, title: str, detail: str, mode: str | None = None, **more: str
    ) -> Response:
        extra = {"migration_docs": self.settings.migration_docs_url, **more}
        if mode:
            extra["auth_mode"] = mode
        response = problem(status, title, detail, **extra)
        response.headers["WWW-Authenticate"] = self._challenge()
        return response

    # -- the decision ----------------------------------------------------------------------

    def authenticate(self, scope: str, admin: bool = False) -> Principal:
        """Return the caller, or raise ``Denied`` with the exact response to send."""
        if "access_token" in request.args:
            # RFC 6750 §2.3 query tokens leak into logs; OAuth 2.1 §5.2 forbids them.
            raise Denied(
                self._oauth_error(
                    400, "invalid_request", "Send the token in the Authorization header."
                ),
                UNKNOWN,
                "token",
            )
        authorization = request.headers.get("Authorization")
        if authorization is not None and authorization[:7].lower() == "bearer ":
            return self._by_token(authorization, scope, admin)
        api_key = request.headers.get("X-API-Key")
        if api_key is not None and not admin:
            return self._by_api_key(api_key, scope)
        if api_key is not None:
            raise Denied(
                self._key_refused(
                    401,
                    "Admin endpoints need a bearer token",
                    "API keys cannot administer this service.",
                ),
                UNKNOWN,
                "api_key",
            )
        response = problem(
            401,
            "Authentication required",
            "Send Authorization: Bearer <token> (see the resource metadata).",
        )
        response.headers["WWW-Authenticate"] = self._challenge()
        raise Denied(response, UNKNOWN, "none")

    def _by_token(self, authorization: str, scope: str, admin: bool) -> Principal:
        match = _BEARER.fullmatch(authorization)
        if not match:
            raise Denied(
                self._oauth_error(400, "invalid_request", "Malformed Authorization header."),
                UNKNOWN,
                "token",
            )
        try:
            claims = self.tokens.validate(match.group(1))
        except InvalidToken as exc:
            raise Denied(
                self._oauth_error(401, "invalid_token", str(exc)), UNKNOWN, "token"
            ) from None
        client_id = claims.client_id
        if self.introspector.required(claims.scopes):
            self._confirm_active(match.group(1), client_id)
        if not admin:
            mode, _ = self.modes.for_client(client_id)
            if not accepts(mode, "token"):
                raise Denied(
                    self._oauth_error(
                        401,
                        "invalid_token",
                        f"Tokens are not enabled for this client yet (auth mode {mode}).",
                    ),
                    client_id,
                    "token",
                )
        if scope not in claims.scopes:
            raise Denied(
                self._oauth_error(
                    403, "insufficient_scope", f"This call needs the {scope} scope.", scope
                ),
                client_id,
                "token",
            )
        return Principal(client_id, "token", claims.scopes)

    def _confirm_active(self, token: str, client_id: str) -> None:
        """RFC 7662: an admin token must still be active at the AS (fail closed)."""
        try:
            active = self.introspector.active(token, hashlib.sha256(token.encode()).digest())
        except IntrospectionUnavailable as exc:
            response = problem(503, "Cannot confirm the admin token", f"Refused: {exc}.")
            raise Denied(response, client_id, "token") from None
        if not active:
            raise Denied(
                self._oauth_error(
                    401, "invalid_token", "The authorization server says this token is inactive."
                ),
                client_id,
                "token",
            )

    def _by_api_key(self, api_key: str, scope: str) -> Principal:
        key = self.api_keys.verify(api_key)
        if key is None:
            raise Denied(
                self._key_refused(401, "Invalid API key", "This API key is not valid."),
                UNKNOWN,
                "api_key",
            )
        mode, since = self.modes.for_client(key.client_id)
        g.api_key_deprecated_since = since if mode != "api_key" else None
        if not accepts(mode, "api_key"):
            detail = (
                f"API keys are no longer accepted for {key.client_id} (auth mode {mode}). "
                f"Get an access token with the OAuth 2.1 client-credentials grant from "
                f"{self.settings.issuer} for resource {self.settings.resource}; "
                f"the migration guide is at {self.settings.migration_docs_url}."
            )
            raise Denied(
                self._key_refused(401, "API key refused", detail, mode), key.client_id, "api_key"
            )
        refusal = self.cutoff.refusal() if self.cutoff else None
        if refusal:  # past the sunset, or inside a brownout window (cutoff.py)
            raise Denied(
                self._key_refused(401, refusal.title, refusal.detail, **refusal.extra),
                key.client_id,
                "api_key",
            )
        if scope not in key.scopes:
            response = problem(
                403,
                "Insufficient scope",
                f"This API key lacks the {scope} scope.",
                required_scope=scope,
            )
            raise Denied(response, key.client_id, "api_key")
        return Principal(key.client_id, "api_key", key.scopes, key.key_id)

    def record(self, client_id: str, method: str, outcome: str) -> None:
        if method == "none":
            return
        self.ledger.record(client_id, method, outcome)
        if self.usage_detail:
            self.usage_detail.record_decision(client_id, method, outcome)
        metrics.AUTH_REQUESTS.labels(client_id=client_id, method=method, outcome=outcome).inc()


def deprecation_headers(response: Response) -> Response:
    """RFC 9745 ``Deprecation`` on API-key responses once keys are deprecated (any mode but
    ``api_key``), plus RFC 8594 ``Sunset`` when a date is configured, and a ``Link`` to the
    migration guide."""
    since = g.get("api_key_deprecated_since")
    if since is None:
        return response
    settings: Settings = current_app.extensions["authenticator"].settings
    response.headers["Deprecation"] = f"@{since}"
    links = [f'<{settings.migration_docs_url}>; rel="deprecation"; type="text/html"']
    sunset = current_app.extensions["cutoff"].sunset_http_date()  # an extension moves it
    if sunset:
        response.headers["Sunset"] = sunset
        links.append(f'<{settings.migration_docs_url}>; rel="sunset"; type="text/html"')
    response.headers["Link"] = ", ".join(links)
    return response


def require(scope: str, admin: bool = False) -> Callable:
    """Route decorator: authenticate, check ``scope``, count the outcome."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            auth: Authenticator = current_app.extensions["authenticator"]
            try:
                principal = auth.authenticate(scope, admin)
            except Denied as denied:
                g.client_id, g.auth_method = denied.client_id, denied.method
                auth.record(denied.client_id, denied.method, "refused")
                return denied.response
            g.principal = principal
            g.client_id, g.auth_method = principal.client_id, principal.method
            auth.record(principal.client_id, principal.method, "accepted")
            if auth.usage_detail:
                auth.usage_detail.record_use(
                    principal.client_id,
                    principal.method,
                    principal.key_id,
                    f"{request.method} {request.url_rule.rule}",
                    scope,
                    principal.scopes,
                )
            return view(*args, **kwargs)

        return wrapper

    return decorate
