"""RFC 9068 JWT access tokens, as Authlib's generator makes them, with three corrections.

- ``aud`` is the RFC 8707 ``resource`` the grant chose (``requested_audience``): Authlib's
  generator puts the client id there, which would let any resource server accept the token.
- The lifetime is ``AUTH_TOKEN_TTL``; Authlib's default for this grant is 10 days.
- ``jti`` is 128 random bits drawn in one call (RFC 9068 §2.2, RFC 7519 §4.1.7).

The header carries ``typ: at+jwt`` (RFC 9068 §2.1) and the ``kid`` of the signing key; the
claims add the client's ``org_id`` when it has one. The key is looked up once per token
(Authlib asks for the algorithm and the key separately): one manifest ``stat`` instead of
two, and a rotation landing between the two questions cannot pair one key's ``alg`` with
another key's signature.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from typing import Any

from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import ECKey, KeySet, RSAKey

from ..clients import Client
from ..config import Settings
from ..storage.interfaces import SigningKeys

# The audience of the token being issued. The grant validates the RFC 8707 ``resource`` and
# the generator reads it; a ContextVar keeps it per request and per thread.
requested_audience: ContextVar[str] = ContextVar("audience")
# The key signing the token being issued, per request and per thread like the audience.
_signing_key: ContextVar[ECKey | RSAKey | None] = ContextVar("signing_key", default=None)


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 tokens: ``typ: at+jwt``, ``kid`` of the current key, ``aud`` = the resource."""

    def __init__(self, settings: Settings, keys: SigningKeys) -> None:
        ttl = settings.token_ttl
        super().__init__(
            settings.issuer, alg=settings.signing_alg, expires_generator=lambda *_: ttl
        )
        self._keys = keys
        self._keyset: tuple[ECKey | RSAKey | None, KeySet | None] = (None, None)

    def access_token_generator(self, client, grant_type, user, scope) -> str:
        reset = _signing_key.set(self._keys.signing_key())
        try:
            return super().access_token_generator(client, grant_type, user, scope)
        finally:
            _signing_key.reset(reset)

    def _key(self) -> ECKey | RSAKey:
        return _signing_key.get() or self._keys.signing_key()

    @property
    def alg(self) -> str:
        # Follow the key actually in use, so a rotation to another algorithm just works.
        return self._key().alg

    @alg.setter
    def alg(self, value: str) -> None:  # JWTBearerTokenGenerator assigns it; the key decides
        pass

    def get_jwks(self) -> KeySet:
        # A one-key set, so joserfc writes the signing key's ``kid`` into the header; built
        # once per key, not per token.
        key = self._key()
        cached_key, keyset = self._keyset
        if cached_key is not key or keyset is None:
            keyset = KeySet([key])
            self._keyset = (key, keyset)
        return keyset

    def get_audiences(self, client, user, scope) -> str:
        return requested_audience.get()

    def get_extra_claims(self, client: Client, grant_type, user, scope) -> dict[str, Any]:
        return {"org_id": client.record.org_id} if client.record.org_id else {}

    def get_jti(self, client, grant_type, user, scope) -> str:
        # RFC 9068 §2.2 / RFC 7519 §4.1.7: unique per token. 128 random bits in one
        # os.urandom call; Authlib's default draws 16 characters one SystemRandom call at a
        # time (~30 µs, 17 urandom calls) for about 95 bits.
        return secrets.token_urlsafe(16)
