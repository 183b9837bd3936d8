"""``private_key_jwt``: client assertions signed with a key the client registered (RFC 7523).

The assertion (RFC 7523 §2.2) is a JWT the client signs with its own private key; this AS
verifies it against the JWK Set registered for the client. On top of Authlib's checks:

- ``aud`` (RFC 7523 §3 item 3) may be the issuer, written with or without a trailing ``/``
  (MCP SDK 1.x signs ``aud`` = ``str(AnyHttpUrl(issuer))``, i.e. ``http://host:port/``), or
  the token endpoint; as one string or as a list holding only such values. A list that also
  names another audience is refused (draft-ietf-oauth-rfc7523bis: the assertion must be
  meant for this AS alone).
- The assertion may live at most ``MAX_ASSERTION_LIFETIME`` seconds, so a leaked one is
  short-lived and the ``jti`` replay store stays small.
- A ``jti`` already spent is refused (RFC 7523 §3 item 7), in ``SpentAssertions`` so that
  every worker sees it.
- A form ``client_id`` sent beside the assertion must be the assertion's ``sub`` (RFC 7521
  §4.2: "the value MUST identify the same client"); Authlib reads only ``sub``.

An unknown ``sub`` is refused before any signature check, so a known client id costs about
a signature verification (~0.3 ms) more than an unknown one. Client ids are not secrets
(RFC 6749 §2.2; they travel in clear in every Basic header), and a dummy verification per
unknown id would make every flood cost that much more (docs/decisions.md).
"""

from __future__ import annotations

import logging
import time

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..clients import AuthMethod, Client
from ..config import Settings
from ..storage.interfaces import SpentAssertions
from .client_auth import note_failure

log = logging.getLogger(__package__)  # one logger, "auth_server.oauth2", for the OAuth code


class PrivateKeyJWT(JWTBearerClientAssertion):
    """RFC 7523 §2.2 client authentication, registered with Authlib by its method name."""

    CLIENT_AUTH_METHOD = AuthMethod.PRIVATE_KEY_JWT.value
    MAX_ASSERTION_LIFETIME = 300  # seconds; the MCP SDKs sign for exactly 300
    MAX_JTI_CHARS = 256

    def __init__(self, settings: Settings, spent: SpentAssertions) -> None:
        super().__init__(validate_jti=True, leeway=30)
        base = settings.base_url
        forms = [settings.issuer, base, f"{base}/", settings.token_endpoint]
        self._audiences = list(dict.fromkeys(forms))
        self._spent = spent

    def __call__(self, query_client, request) -> Client | None:
        try:
            client = super().__call__(query_client, request)
        except InvalidClientError as exc:
            # Answer like any other failed client authentication; keep the reason in the log.
            log.info("private_key_jwt refused: %s", exc.description)
            return None
        form_id = request.form.get("client_id")
        if client is not None and form_id is not None and form_id != client.get_client_id():
            note_failure("client_id does not match the assertion's sub")
            log.info("private_key_jwt refused: form client_id is not the assertion's sub")
            return None
        return client

    def get_audiences(self) -> list[str]:
        return self._audiences

    def verify_claims(self, claims) -> None:
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not audiences or not all(a in self._audiences for a in audiences):
            raise InvalidClientError(description="The assertion's aud must name this AS only.")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or (iat is not None and not isinstance(iat, int)):
            raise InvalidClientError(description="The assertion's exp and iat must be numbers.")
        longest = self.MAX_ASSERTION_LIFETIME
        if exp > time.time() + longest + self.leeway or (iat is not None and exp - iat > longest):
            raise InvalidClientError(description=f"The assertion may live {longest} s at most.")
        super().verify_claims(claims)

    def validate_jti(self, claims, jti) -> bool:
        if not isinstance(jti, str) or not jti or len(jti) > self.MAX_JTI_CHARS:
            return False
        return self._spent.spend_assertion(claims["sub"], jti, int(claims["exp"]))

    def resolve_client_public_key(self, client: Client) -> KeySet:
        try:
            return KeySet.import_key_set(client.record.jwks or {"keys": []})
        except (JoseError, ValueError, TypeError, KeyError):
            raise InvalidClientError(
                description="The client's registered keys are unusable."
            ) from None
