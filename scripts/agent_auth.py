"""The agent's token request, shaped for an authorization server other than ours.

The MCP SDK's client-credentials providers discover the AS from the MCP server's RFC 9728
metadata and build the token request themselves. These subclasses keep that flow and change
only the request, with the same knobs Order has (docs/providers.md):

* ``token_endpoint`` — used as is, no metadata needed;
* when the SDK's own discovery found no metadata (it does not try the RFC 8414 *appended*
  form), ``service_kit.discovery`` looks again, with the same exact-issuer rule;
* ``audience`` — sent as ``audience`` (Auth0, Hydra);
* ``resource`` — ``None`` keeps the SDK's RFC 8707 value (the PRM ``resource``), ``""``
  sends none (Entra ID, Cognito), anything else is sent instead;
* for ``private_key_jwt``: the assertion's ``aud`` (the issuer, as the SDK and Auth0 want, or
  the token endpoint, as Entra ID and Okta want) and an ``x5t#S256`` header for Entra's
  certificate credentials, signed PS256 as its page asks.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from mcp.client.auth import OAuthFlowError
from mcp.client.auth.extensions.client_credentials import (
    ClientCredentialsOAuthProvider,
    PrivateKeyJWTOAuthProvider,
)
from mcp.shared.auth import OAuthMetadata

from service_kit.discovery import DiscoveryError, discover

try:  # SDK 2.x
    import httpx2 as httpx
except ImportError:  # SDK 1.x
    import httpx  # type: ignore[no-redef]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class TokenRequestOptions:
    """What the agent's flags change in the token request; the defaults change nothing."""

    issuer: str | None = None
    token_endpoint: str | None = None
    audience: str | None = None
    resource: str | None = None
    assertion_audience: str = "issuer"  # or "token_endpoint"
    cert_thumbprint: str | None = None


class _ProviderOptionsMixin:
    """Shared by both providers: endpoint, discovery fallback, ``resource`` and ``audience``."""

    options: TokenRequestOptions
    context: Any

    async def _token_endpoint(self) -> str:
        if self.options.token_endpoint:
            return self.options.token_endpoint
        if self.context.oauth_metadata is None and self.options.issuer:
            try:
                meta = await asyncio.to_thread(discover, self.options.issuer)
            except DiscoveryError as exc:
                raise OAuthFlowError(str(exc)) from None
            meta.setdefault("authorization_endpoint", meta.get("token_endpoint"))
            self.context.oauth_metadata = OAuthMetadata.model_validate(meta)
        meta = self.context.oauth_metadata
        if meta is None:
            raise OAuthFlowError(f"no metadata for the authorization server {self.options.issuer}")
        # The client's credentials go only to the issuer they belong to (RFC 8414 §3.3).
        if self.options.issuer and str(meta.issuer).rstrip("/") != self.options.issuer.rstrip("/"):
            raise OAuthFlowError(f"metadata names issuer {meta.issuer}, not {self.options.issuer}")
        return str(meta.token_endpoint)

    def _target(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.options.resource is not None:
            data.pop("resource", None)
            if self.options.resource:
                data["resource"] = self.options.resource
        if self.options.audience:
            data["audience"] = self.options.audience
        return data

    def _request(self, url: str, data: dict[str, Any], headers: dict[str, str]) -> httpx.Request:
        if self.context.client_metadata.scope:
            data["scope"] = self.context.client_metadata.scope
        return httpx.Request("POST", url, data=self._target(data), headers=headers)

    def _sdk_resource(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.context.should_include_resource_param(self.context.protocol_version):
            data["resource"] = self.context.get_resource_url()
        return data


class SecretProvider(_ProviderOptionsMixin, ClientCredentialsOAuthProvider):
    """``client_secret_basic`` or ``client_secret_post``, with ``TokenRequestOptions``."""

    def __init__(self, *args: Any, options: TokenRequestOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options

    async def _exchange_token_client_credentials(self) -> httpx.Request:
        url = await self._token_endpoint()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        data, headers = self.context.prepare_token_auth({"grant_type": "client_credentials"}, headers)  # fmt: skip
        return self._request(url, self._sdk_resource(data), headers)


class KeyProvider(_ProviderOptionsMixin, PrivateKeyJWTOAuthProvider):
    """``private_key_jwt`` with ``TokenRequestOptions``; signs its own assertions (60 s)."""

    LIFETIME = 60

    def __init__(
        self, *args: Any, options: TokenRequestOptions, client_id: str, key_pem: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, client_id=client_id, assertion_provider=self._no_provider, **kwargs)
        self.options = options
        self._client_id = client_id
        self._key = serialization.load_pem_private_key(key_pem.encode(), password=None)

    @staticmethod
    async def _no_provider(audience: str) -> str:
        raise AssertionError("KeyProvider signs its own assertions")

    def _assertion(self, audience: str) -> str:
        now = int(time.time())
        headers: dict[str, str] = {"typ": "JWT"}
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            alg = "ES256"
        else:
            alg = "PS256" if self.options.cert_thumbprint else "RS256"
        if self.options.cert_thumbprint:
            headers["x5t#S256"] = self.options.cert_thumbprint
        claims = {
            "iss": self._client_id,
            "sub": self._client_id,
            "aud": audience,
            "iat": now,
            "exp": now + self.LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=alg, headers=headers)

    async def _exchange_token_client_credentials(self) -> httpx.Request:
        url = await self._token_endpoint()
        if self.options.assertion_audience == "token_endpoint":
            audience = url
        else:
            meta = self.context.oauth_metadata
            audience = self.options.issuer or (str(meta.issuer) if meta else url)
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self._assertion(audience),
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._request(url, self._sdk_resource(data), headers)
