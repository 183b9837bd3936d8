"""Token introspection (RFC 7662) for authenticated clients.

Any authenticated client may introspect any token (docs/decisions.md): resource servers
register as clients to ask. An inactive answer is just ``{"active": false}`` (RFC 7662
§2.2); an active one repeats the token's claims.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from ..clients import AUTH_METHODS
from .issued_tokens import IssuedToken, TokenReader

# RFC 7662 §2.2 members this AS reports, taken from the token's own claims.
REPORTED_CLAIMS = ("client_id", "sub", "scope", "aud", "iss", "exp", "iat", "jti", "org_id")


class Introspection(IntrospectionEndpoint):
    """RFC 7662 §2, at ``POST /oauth/introspect``."""

    CLIENT_AUTH_METHODS = list(AUTH_METHODS)

    def __init__(self, reader: TokenReader) -> None:
        super().__init__()
        self._reader = reader

    def query_token(self, token_string, token_type_hint):
        return self._reader.read(token_string)

    def check_permission(self, token, client, request) -> bool:
        return True

    def introspect_token(self, token: IssuedToken) -> dict[str, Any]:
        return {"active": True, "token_type": "Bearer"} | {
            k: token.claims[k] for k in REPORTED_CLAIMS if k in token.claims
        }
