"""Token revocation (RFC 7009): a client withdraws one of its own access tokens.

A client may revoke only its own tokens; for another client's token Authlib answers
``invalid_grant``. An unknown or foreign-issuer token succeeds quietly (RFC 7009 §2.2). The
revoked ``jti`` goes to ``TokenRevocations``, so introspection in every worker reports the
token inactive at once.
"""

from __future__ import annotations

import logging

from authlib.oauth2.rfc7009 import RevocationEndpoint

from ..clients import AUTH_METHODS
from ..storage.interfaces import TokenRevocations
from .issued_tokens import IssuedToken, TokenReader

log = logging.getLogger(__package__)  # one logger, "auth_server.oauth2", for the OAuth code


class Revocation(RevocationEndpoint):
    """RFC 7009 §2, at ``POST /oauth/revoke``."""

    CLIENT_AUTH_METHODS = list(AUTH_METHODS)

    def __init__(self, reader: TokenReader, revocations: TokenRevocations) -> None:
        super().__init__()
        self._reader = reader
        self._revocations = revocations

    def query_token(self, token_string, token_type_hint):
        return self._reader.read(token_string)

    def revoke_token(self, token: IssuedToken, request) -> None:
        self._revocations.revoke(token.claims["jti"], token.claims["exp"])
        log.info(
            "token revoked client_id=%s jti=%s", token.claims["client_id"], token.claims["jti"]
        )
