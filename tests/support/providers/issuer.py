"""``ProviderIssuer``: a ``TestIssuer`` that serves one provider's paths and signs its shapes."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt

from tests.support.issuer import TestIssuer

from .registry import SHAPES
from .shape import Claims, Shape


class ProviderIssuer(TestIssuer):
    """A ``TestIssuer`` that looks, from a resource server, like ``shape``'s provider."""

    def __init__(self, shape: Shape | str) -> None:
        self.shape = SHAPES[shape] if isinstance(shape, str) else shape
        super().__init__(alg="RS256")
        self.issuer = f"{self.url}{self.shape.issuer_path}"
        self.metadata_fetches: list[str] = []
        self.app_roles: tuple[str, ...] = ("read", "write")  # Entra ID, Zitadel: roles granted
        self.grants_tokens = True

    def metadata(self) -> dict[str, Any]:
        meta = {
            "issuer": self.issuer,
            "jwks_uri": f"{self.url}{self.shape.jwks_path}",
            "token_endpoint": f"{self.url}{self.shape.token_path}",
            # Required by the MCP SDK's metadata model; nothing here uses it.
            "authorization_endpoint": f"{self.url}/authorize",
            "grant_types_supported": ["client_credentials"],
        }
        if self.shape.introspection_path:
            meta["introspection_endpoint"] = f"{self.url}{self.shape.introspection_path}"
        return meta

    def native(self, *permissions: str) -> list[str]:
        """The provider's names for ``read``/``write``/``admin``."""
        return [self.shape.native_scopes[p] for p in permissions]

    def access_token(
        self,
        *permissions: str,
        client_id: str = "order-service",
        audience: Any = "default",
        lifetime: int | None = None,
        **overrides: Any,
    ) -> str:
        """An access token as the provider issues it for ``permissions`` (read/write/admin)."""
        aud = self.shape.audience if audience == "default" else audience
        header, claims = self.shape.access(
            self.shape, self.issuer, client_id, self.native(*permissions), aud
        )
        if lifetime is not None:
            claims["exp"] = claims["iat"] + lifetime
        return self._sign(header, {**claims, **overrides})

    def id_token(self, client_id: str = "order-service", **overrides: Any) -> str:
        """An OpenID Connect ID token as the provider issues it to ``client_id``."""
        header, claims = self.shape.id_token(self.shape, self.issuer, client_id)
        return self._sign(header, {**claims, **overrides})

    def _grant(self, request: dict[str, Any]) -> str:
        """A token in the provider's shape for a recorded request: the scopes it asked for, for
        the API its ``audience`` parameter names where the provider reads one (Auth0, Hydra).
        Entra ID and Zitadel grant what was assigned to the client (``app_roles``) instead."""
        fields = request["form"]
        requested = str(fields.get("scope") or "").split()
        ours = {native: ours for ours, native in self.shape.native_scopes.items()}
        if self.shape.name in ("entra", "zitadel"):
            permissions = list(self.app_roles)
        else:
            permissions = [ours[s] for s in requested if s in ours]
        audience: Any = "default"
        if self.shape.name == "auth0":
            audience = fields.get("audience")
        elif self.shape.name == "hydra":
            audience = [fields["audience"]] if fields.get("audience") else []
        return self.access_token(
            *permissions, client_id=self.requesting_client(request), audience=audience
        )

    def _sign(self, header: dict, claims: Claims) -> str:
        _, private = self.keys[self.kid]
        claims = {k: v for k, v in claims.items() if v is not None}
        # PyJWT adds typ: JWT unless told typ None; Okta and Cognito send no typ at all.
        headers = {"typ": None, **header, "kid": self.kid}
        return jwt.encode(claims, private, algorithm="RS256", headers=headers)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()
        issuer = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self):
                path = self.path.split("?", 1)[0]
                if issuer.failing:
                    return self._send(503, {"error": "temporarily_unavailable"})
                if path in issuer.shape.metadata_paths:
                    issuer.metadata_fetches.append(path)
                    return self._send(200, issuer.metadata())
                if path == issuer.shape.jwks_path:
                    issuer.jwks_fetches += 1
                    return self._send(200, issuer.public_jwks())
                return self._send(404, {"error": "not_found"})

            def do_POST(self):
                path = self.path.split("?", 1)[0]
                if path == issuer.shape.token_path:
                    self.path = "/token"
                elif issuer.shape.introspection_path and path == issuer.shape.introspection_path:
                    self.path = "/introspect"
                else:
                    return self._send(404, {"error": "not_found"})
                return super().do_POST()

        return Handler
