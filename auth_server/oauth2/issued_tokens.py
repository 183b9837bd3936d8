"""Reading back an access token this AS signed, for introspection and revocation.

A token is ours when it verifies against our published keys (``SigningKeys``), carries
``typ: at+jwt`` (RFC 9068 §2.1), our ``iss`` and the claims we always write. Anything else —
garbage, a foreign token, an oversized string — is simply not ours: ``None``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError

from ..clients import Client
from ..config import SIGNING_ALGS, Settings
from ..storage.interfaces import SigningKeys, TokenRevocations

MAX_TOKEN_CHARS = 8192


@dataclass(frozen=True)
class IssuedToken:
    """An access token we signed, as Authlib's introspection and revocation see it."""

    claims: dict[str, Any]
    revoked: bool

    def is_expired(self) -> bool:
        return self.claims["exp"] <= time.time()

    def is_revoked(self) -> bool:
        return self.revoked

    def check_client(self, client: Client) -> bool:
        return self.claims.get("client_id") == client.get_client_id()


class TokenReader:
    """Verifies a token string against our own published keys."""

    def __init__(
        self, settings: Settings, keys: SigningKeys, revocations: TokenRevocations
    ) -> None:
        self._issuer = settings.issuer
        self._keys = keys
        self._revocations = revocations

    def read(self, token: str) -> IssuedToken | None:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return None
        try:
            decoded = jwt.decode(token, self._keys.verification_keyset(), algorithms=SIGNING_ALGS)
        except (JoseError, ValueError, TypeError, KeyError):
            return None
        claims = decoded.claims
        if decoded.header.get("typ") != "at+jwt" or claims.get("iss") != self._issuer:
            return None
        if not isinstance(claims.get("exp"), int) or not isinstance(claims.get("jti"), str):
            return None
        if not isinstance(claims.get("iat"), int) or not isinstance(claims.get("client_id"), str):
            return None
        # RFC 7662 §2.2: inactive once revoked, or once its client is disabled or has had
        # all its tokens revoked.
        withdrawn = self._revocations.token_withdrawn(
            claims["client_id"], claims["jti"], claims["iat"]
        )
        return IssuedToken(claims, withdrawn)
