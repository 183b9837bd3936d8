"""Who is calling, and may they? Both credential kinds, the auth modes, the answers (REST).

* ``Authorization: Bearer <jwt>`` — validated in ``tokens.py`` (RFC 9068 with PyJWT, or the
  issuer's profile) by the policy of the issuer it names (``issuers.py``); one carrying
  ``inventory:admin`` is also confirmed by introspection (``introspection.py``) or, where
  the issuer's policy says ``jwt``, refused if it lives longer than the policy allows.
* ``X-API-Key: <key>`` — the legacy credential, looked up in ``api_keys.py``.
* A request carrying both is judged on the token alone (the key is ignored, not counted).
* The effective mode (a client's pin, else the global mode; see ``flags.py``) says which
  kinds are accepted. Admin endpoints want a token whatever the mode, so a team can always
  flip the flags through the API.

Answers follow RFC 6750 §3: 401 with ``WWW-Authenticate: Bearer resource_metadata=...``
(RFC 9728 §5.1) and no error code when no credentials came; ``error="invalid_token"`` for a
bad token; 403 ``error="insufficient_scope"`` with the scope needed. A token that cannot be
checked now (its key is unknown and the AS's JWKS cannot be fetched) is not judged bad: 503
problem+json with ``Retry-After`` (RFC 9110 §10.2.3) and no ``invalid_token``, so a client
keeps its token and retries. A refused API key gets problem+json saying why (the mode) and
where the migration guide is. ``require.py`` hands
every decision to the ``DecisionRecorder`` once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Response, g, jsonify, request

from service_kit.problem import problem

from ..config import Settings
from .api_keys import ApiKeyStore
from .bearer import MalformedBearer, bearer_token, challenge, is_bearer
from .decision import UNKNOWN, Principal, Refused
from .flags import AuthModeStore
from .hooks import DecisionRecorder, KeyCutoff
from .introspection import IntrospectionUnavailable, Introspector
from .issuers import TrustedIssuers
from .jwks import KeysUnavailable
from .modes import AuthMode, Credential
from .profiles import AdminVerification
from .tokens import InvalidToken, TokenClaims, TokenValidator

TOKEN, API_KEY = Credential.TOKEN, Credential.API_KEY


@dataclass
class Authenticator:
    settings: Settings
    tokens: TokenValidator | TrustedIssuers
    api_keys: ApiKeyStore
    modes: AuthModeStore
    introspector: Introspector
    recorder: DecisionRecorder
    cutoff: KeyCutoff | None = None

    # -- answers -----------------------------------------------------------------------------

    def _challenge(self, error: str | None = None, scope: str | None = None) -> str:
        return challenge(self.settings.resource_metadata_url, error, scope)

    def _oauth_error(
        self, status: int, error: str, description: str, scope: str | None = None
    ) -> Response:
        response = jsonify(error=error, error_description=description)
        response.status_code = status
        response.headers["WWW-Authenticate"] = self._challenge(error, scope)
        return response

    def _key_refused(
        self, status: int, title: str, detail: str, mode: AuthMode | None = None, **more: str
    ) -> Response:
        extra = {"migration_docs": self.settings.migration_docs_url, **more}
        if mode:
            extra["auth_mode"] = mode
        response = problem(status, title, detail, **extra)
        response.headers["WWW-Authenticate"] = self._challenge()
        return response

    # -- the decision ----------------------------------------------------------------------

    def authenticate(self, scope: str, admin: bool = False) -> Principal:
        """Return the caller, or raise ``Refused`` with the exact response to send."""
        if "access_token" in request.args:
            # RFC 6750 §2.3 query tokens leak into logs; OAuth 2.1 §5.2 forbids them.
            description = "Send the token in the Authorization header."
            raise Refused(self._oauth_error(400, "invalid_request", description), UNKNOWN, TOKEN)
        authorization = request.headers.get("Authorization")
        if is_bearer(authorization):
            return self._by_token(authorization, scope, admin)
        api_key = request.headers.get("X-API-Key")
        if api_key is not None and not admin:
            return self._by_api_key(api_key, scope)
        if api_key is not None:
            title, detail = (
                "Admin endpoints need a bearer token",
                "API keys cannot administer this service.",
            )
            raise Refused(self._key_refused(401, title, detail), UNKNOWN, API_KEY)
        response = problem(
            401,
            "Authentication required",
            "Send Authorization: Bearer <token> (see the resource metadata).",
        )
        response.headers["WWW-Authenticate"] = self._challenge()
        raise Refused(response, UNKNOWN, None)

    def _by_token(self, authorization: str, scope: str, admin: bool) -> Principal:
        try:
            token = bearer_token(authorization)
        except MalformedBearer as exc:
            raise Refused(
                self._oauth_error(400, "invalid_request", str(exc)), UNKNOWN, TOKEN
            ) from None
        try:
            claims = self.tokens.validate(token)
        except InvalidToken as exc:
            raise Refused(
                self._oauth_error(401, "invalid_token", str(exc)), UNKNOWN, TOKEN
            ) from None
        except KeysUnavailable as exc:
            raise Refused(keys_unavailable(exc), UNKNOWN, TOKEN) from None
        client_id = claims.client_id
        if self.introspector.required(claims.scopes):
            self._confirm_admin(token, claims)
        if not admin:
            mode, _ = self.modes.for_client(client_id)
            if not mode.accepts(TOKEN):
                description = f"Tokens are not enabled for this client yet (auth mode {mode})."
                raise Refused(
                    self._oauth_error(401, "invalid_token", description), client_id, TOKEN
                )
        if scope not in claims.scopes:
            description = f"This call needs the {scope} scope{_read_from(claims)}."
            response = self._oauth_error(403, "insufficient_scope", description, scope)
            raise Refused(response, client_id, TOKEN)
        return Principal(client_id, TOKEN, claims.scopes)

    def _confirm_admin(self, token: str, claims: TokenClaims) -> None:
        """An admin token must still be active at the AS (RFC 7662, fail closed) or, where
        the issuer cannot introspect, live no longer than the policy's admin lifetime."""
        policy, client_id = self.tokens.policy_of(claims), claims.client_id
        if policy.admin_verification is AdminVerification.JWT:
            lifetime = claims.claims["exp"] - claims.claims["iat"]
            if lifetime > policy.admin_max_lifetime:
                description = (
                    f"Admin tokens may live at most {policy.admin_max_lifetime} s "
                    f"(they are not introspected); this one lives {int(lifetime)} s."
                )
                raise Refused(
                    self._oauth_error(401, "invalid_token", description), client_id, TOKEN
                )
            return
        digest = hashlib.sha256(token.encode()).digest()
        try:
            active = self.introspector.active(token, digest, policy)
        except IntrospectionUnavailable as exc:
            response = problem(503, "Cannot confirm the admin token", f"Refused: {exc}.")
            raise Refused(response, client_id, TOKEN) from None
        if not active:
            description = "The authorization server says this token is inactive."
            raise Refused(self._oauth_error(401, "invalid_token", description), client_id, TOKEN)

    def _by_api_key(self, api_key: str, scope: str) -> Principal:
        key = self.api_keys.verify(api_key)
        if key is None:
            response = self._key_refused(401, "Invalid API key", "This API key is not valid.")
            raise Refused(response, UNKNOWN, API_KEY)
        mode, since = self.modes.for_client(key.client_id)
        g.api_key_deprecated_since = since if mode is not AuthMode.API_KEY else None
        if not mode.accepts(API_KEY):
            detail = (
                f"API keys are no longer accepted for {key.client_id} (auth mode {mode}). "
                f"Get an access token with the OAuth 2.1 client-credentials grant from "
                f"{self.settings.issuer} for resource {self.settings.resource}; "
                f"the migration guide is at {self.settings.migration_docs_url}."
            )
            response = self._key_refused(401, "API key refused", detail, mode)
            raise Refused(response, key.client_id, API_KEY)
        refusal = self.cutoff.refusal() if self.cutoff else None
        if refusal:  # past the sunset, or inside a brownout window
            response = self._key_refused(401, refusal.title, refusal.detail, **refusal.extra)
            raise Refused(response, key.client_id, API_KEY)
        if scope not in key.scopes:
            response = problem(
                403,
                "Insufficient scope",
                f"This API key lacks the {scope} scope.",
                required_scope=scope,
            )
            raise Refused(response, key.client_id, API_KEY)
        return Principal(key.client_id, API_KEY, key.scopes, key.key_id)


def _read_from(claims: TokenClaims) -> str:
    """Where the scopes were read: an operator whose AS puts them in another claim sees
    which one this API looked at (``INVENTORY_SCOPE_CLAIMS`` changes it)."""
    return f" (scopes are read from the token's {', '.join(claims.scope_claims)} claim)"


def keys_unavailable(exc: KeysUnavailable) -> Response:
    """503, not 401: the token was not judged, so the client keeps it and comes back."""
    response = problem(
        503,
        "Cannot check the token now",
        f"{exc} The token was not judged; retry in {exc.retry_after} s with the same token.",
        retry_after=exc.retry_after,
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response
