"""Fetching client-credentials tokens with Authlib's requests client.

The token endpoint is ``ORDER_TOKEN_ENDPOINT``, else found through ``service_kit.discovery``
(RFC 8414 inserted and appended forms, then OIDC discovery; ``issuer`` must match exactly).
Client authentication is ``client_auth.py``'s. The request names the RFC 8707 ``resource``
unless configured empty, and the ``audience`` parameter Auth0 and Hydra read. Each fetch
passes ``grant_type="client_credentials"`` explicitly: Authlib's session would otherwise guess
the grant from the parameters, and only re-fetches client-credentials tokens itself when told
the grant type. Caching is ``token_cache.py``'s job, not the session's.
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import OAuthError
from authlib.oauth2 import OAuth2Error

from service_kit.discovery import DiscoveryError, discover

from . import client_auth
from .config import OAuthSettings
from .token_cache import AuthServerThrottling, AuthServerUnavailable, TokenRefused

log = logging.getLogger(__name__)
TIMEOUT = 5.0


MAX_RETRY_AFTER = 300


def _raise_on_throttling(response: requests.Response, *args, **kwargs) -> None:
    """A 429 from the token endpoint is throttling, not a refusal of our credentials.

    Authlib would read its RFC 6749 §5.2 body (``temporarily_unavailable``) as an OAuth
    error like any other; this ``requests`` hook sees the status first and keeps the AS's
    ``Retry-After`` (RFC 9110 §10.2.3: seconds; a date counts as one second here).
    """
    if response.status_code != 429:
        return
    value = response.headers.get("Retry-After", "")
    seconds = int(value) if value.isdigit() else 1
    raise AuthServerThrottling(
        f"the token endpoint is throttling us (429, Retry-After: {value or 'absent'})",
        min(max(seconds, 1), MAX_RETRY_AFTER),
    )


class ClientCredentials:
    def __init__(self, settings: OAuthSettings) -> None:
        self.settings = settings
        self._token_endpoint: str | None = None

    def token_endpoint(self) -> str:
        if self._token_endpoint is None and self.settings.token_endpoint:
            self._token_endpoint = self.settings.token_endpoint
        if self._token_endpoint is None:
            assert self.settings.issuer is not None  # config requires one of the two
            try:
                meta = discover(self.settings.issuer, timeout=TIMEOUT)
            except DiscoveryError as exc:
                if not exc.reachable:
                    raise AuthServerUnavailable(str(exc)) from None
                raise TokenRefused(str(exc)) from None
            endpoint = meta.get("token_endpoint")
            if not isinstance(endpoint, str) or not endpoint:
                raise TokenRefused(
                    f"the metadata of {self.settings.issuer!r} has no token_endpoint"
                )
            self._token_endpoint = endpoint
        return self._token_endpoint

    def fetch(self) -> tuple[str, int]:
        """One token request; returns ``(access_token, expires_in)``."""
        endpoint = self.token_endpoint()
        params = {"scope": self.settings.scope}
        if self.settings.resource is not None:
            params["resource"] = self.settings.resource  # RFC 8707: ask for our audience
        if self.settings.audience is not None:
            params["audience"] = self.settings.audience  # Auth0's and Hydra's name for it
        with client_auth.session(self.settings, endpoint) as session:
            session.hooks["response"].append(_raise_on_throttling)
            try:
                token = session.fetch_token(
                    endpoint, grant_type="client_credentials", timeout=TIMEOUT, **params
                )
            except requests.HTTPError as exc:  # Authlib raises this for a 5xx
                status = exc.response.status_code if exc.response is not None else "?"
                raise AuthServerUnavailable(f"the token endpoint answered {status}") from None
            except requests.RequestException as exc:
                raise AuthServerUnavailable(
                    f"token endpoint unreachable: {exc.__class__.__name__}"
                ) from None
            except (OAuthError, OAuth2Error) as exc:
                raise TokenRefused(f"the authorization server refused: {exc.error}") from None
            except ValueError:
                raise AuthServerUnavailable("the token endpoint did not answer JSON") from None
        expires_in = int(token.get("expires_in") or 300)
        log.info(
            "fetched an access token client_id=%s expires_in=%s",
            self.settings.client_id,
            expires_in,
        )
        return token["access_token"], expires_in
