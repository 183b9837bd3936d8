"""Fetching client-credentials tokens with Authlib's requests client.

Endpoints come from the issuer's RFC 8414 metadata (its ``issuer`` must match exactly).
Client authentication is ``client_secret_basic``, or ``private_key_jwt`` (RFC 7523) when a
private key is configured. Each fetch passes ``grant_type="client_credentials"`` explicitly:
Authlib's session would otherwise guess the grant from the parameters, and only re-fetches
client-credentials tokens itself when told the grant type. Caching is ``token_cache.py``'s
job, not the session's.
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from joserfc.jwk import import_key

from service_kit.discovery import DiscoveryError, discover

from .config import OAuthSettings
from .token_cache import AuthServerUnavailable, TokenRefused

log = logging.getLogger(__name__)
TIMEOUT = 5.0


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """Authlib signs client assertions valid for an hour; ours live ``LIFETIME`` seconds.

    An assertion is used once, at once: a long life only helps whoever steals it, and the
    AS refuses any living longer than five minutes (docs/decisions.md).
    """

    LIFETIME = 60

    def sign(self, auth, token_endpoint):
        return private_key_jwt_sign(
            auth.client_secret,  # already a joserfc key (see ClientCredentials._session)
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            claims=self.claims,
            header=self.headers,
            alg=self.alg,
            expires_in=self.LIFETIME,
        )


class ClientCredentials:
    def __init__(self, settings: OAuthSettings) -> None:
        self.settings = settings
        self._token_endpoint: str | None = None

    def token_endpoint(self) -> str:
        if self._token_endpoint is None:
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

    def _session(self, endpoint: str) -> OAuth2Session:
        s = self.settings
        if s.client_key_pem:
            key = import_key(
                s.client_key_pem, parameters={"kid": s.client_key_id} if s.client_key_id else None
            )
            alg = "ES256" if key.key_type == "EC" else "RS256"
            method = "private_key_jwt"
            session = OAuth2Session(s.client_id, key, token_endpoint_auth_method=method)
            headers = {"kid": s.client_key_id} if s.client_key_id else None
            session.register_client_auth_method(
                ShortLivedPrivateKeyJWT(endpoint, alg=alg, headers=headers)
            )
            return session
        method = "client_secret_basic"
        return OAuth2Session(s.client_id, s.client_secret, token_endpoint_auth_method=method)

    def fetch(self) -> tuple[str, int]:
        """One token request; returns ``(access_token, expires_in)``."""
        endpoint = self.token_endpoint()
        with self._session(endpoint) as session:
            try:
                token = session.fetch_token(
                    endpoint,
                    grant_type="client_credentials",
                    scope=self.settings.scope,
                    resource=self.settings.resource,  # RFC 8707: ask for our audience
                    timeout=TIMEOUT,
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
