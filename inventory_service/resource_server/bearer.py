"""RFC 6750 on the wire: reading ``Authorization: Bearer``, writing ``WWW-Authenticate``.

Shared by the REST API and the MCP gate, so both parse the header and word their
challenges identically: ``error`` (absent when no credentials came, §3.1), ``scope``, and
the RFC 9728 §5.1 ``resource_metadata`` pointer that clients start discovery from.
"""

from __future__ import annotations

import re

# RFC 6750 §2.1 b64token
_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*)")


class MalformedBearer(ValueError):
    """The header says Bearer but the rest is no b64token: answer ``invalid_request``."""


def is_bearer(authorization: str | None) -> bool:
    """Does the ``Authorization`` header use the Bearer scheme (case-insensitive, §2.1)?"""
    return authorization is not None and authorization[:7].lower() == "bearer "


def bearer_token(authorization: str) -> str:
    """The token of a Bearer ``Authorization`` header; raises ``MalformedBearer``."""
    match = _BEARER.fullmatch(authorization)
    if not match:
        raise MalformedBearer("Malformed Authorization header.")
    return match.group(1)


def challenge(
    resource_metadata_url: str, error: str | None = None, scope: str | None = None
) -> str:
    """The ``WWW-Authenticate`` value (RFC 6750 §3, RFC 9728 §5.1)."""
    params = []
    if error:
        params.append(f'error="{error}"')
    if scope:
        params.append(f'scope="{scope}"')
    params.append(f'resource_metadata="{resource_metadata_url}"')
    return "Bearer " + ", ".join(params)
