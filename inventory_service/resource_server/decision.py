"""What an authentication check answers, for the REST API and the MCP server alike.

A check returns a ``Principal`` or raises ``Refused`` carrying the exact response to send
(a Flask or a Starlette response: each front end builds its own) and whom the usage
records blame. ``KeyRefusal`` is why a *valid* API key is refused right now (past the
sunset, inside a brownout); the migration tooling decides it, the front end words the 401.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .modes import Credential

UNKNOWN = "unknown"  # the client id recorded when the credential names nobody


@dataclass(frozen=True)
class Principal:
    """The caller, once let in."""

    client_id: str
    credential: Credential
    scopes: frozenset[str]
    key_id: str = ""  # the API key's id; "" for tokens
    issuer: str = ""  # the token's trusted issuer; "" for API keys


class Cause(StrEnum):
    """Why a call was refused, as the migration cockpit tells them apart."""

    MIGRATION = "migration"  # the key's mode, the sunset, a brownout, an invalid or revoked key
    SCOPE = "scope"  # a valid credential without the scope the call needs
    VALIDATION = "validation"  # a malformed, expired or untrusted credential


class Refused(Exception):
    """Refused with ``response``; ``client_id`` and ``credential`` are whom it is counted on
    (``credential`` is None when the request carried no credential at all); ``cause`` is
    why, and ``scopes`` what the credential held when that is known; ``issuer`` is the
    token's trusted issuer once its signature held, else ""."""

    def __init__(
        self,
        response: Any,
        client_id: str = UNKNOWN,
        credential: Credential | None = None,
        cause: Cause = Cause.VALIDATION,
        scopes: frozenset[str] = frozenset(),
        issuer: str = "",
    ) -> None:
        super().__init__(getattr(response, "status_code", None))
        self.response = response
        self.client_id = client_id
        self.credential = credential
        self.cause = cause
        self.scopes = scopes
        self.issuer = issuer


@dataclass(frozen=True)
class KeyRefusal:
    """Why a valid API key is refused right now; ``extra`` joins the problem+json body."""

    title: str
    detail: str
    extra: dict[str, str] = field(default_factory=dict)
