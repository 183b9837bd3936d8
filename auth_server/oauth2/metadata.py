"""Authorization server metadata (RFC 8414), also served as the OIDC discovery document.

``issuer`` is byte-identical to ``AUTH_ISSUER`` (RFC 8414 §3.3 compares it exactly). The
document names an ``authorization_endpoint`` that refuses every request
(``auth_server/authorize.py``): RFC 8414 §2 makes it optional for a server without
authorization-code flows, but the MCP SDK clients refuse metadata without it, even for the
client-credentials grant.
"""

from __future__ import annotations

from typing import Any

from ..clients import AUTH_METHODS, GRANT_TYPE
from ..config import SIGNING_ALGS, Settings


def server_metadata(settings: Settings) -> dict[str, Any]:
    """RFC 8414 §2 authorization server metadata."""
    base = settings.base_url
    methods = list(AUTH_METHODS)
    meta: dict[str, Any] = {
        "issuer": settings.issuer,
        # Refuses every request (authorize.py); present because the MCP SDKs require it.
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": settings.token_endpoint,
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "grant_types_supported": [GRANT_TYPE],
        "response_types_supported": [],  # the authorization endpoint supports none
        "scopes_supported": list(settings.scopes),
        "token_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": list(SIGNING_ALGS),
        "introspection_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
    }
    # RFC 8414 §2: present only when dynamic registration (RFC 7591) is enabled.
    if settings.admin_token:
        meta["registration_endpoint"] = f"{base}/oauth/register"
    return meta
