"""What the authorization server needs from storage: one small Protocol per concern.

The OAuth code, the registry, the CLI and the throttle depend on these Protocols only, never
on an engine. Each has one implementation here — SQLite in ``sqlite.py`` and
``throttle.py``, PEM files in ``pem_keys.py`` — and a PostgreSQL backend plugs in here by
implementing the same Protocols. Every implementation must make a change visible to every
worker and replica at the next call: a disabled client, a rotated key or a spent assertion
can never be served from a stale copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from joserfc.jwk import ECKey, KeySet, RSAKey


@dataclass(frozen=True)
class ClientRecord:
    """A registered client as stored; ``resources[0]`` is its default audience."""

    client_id: str
    secret_hash: str | None
    scopes: tuple[str, ...]
    resources: tuple[str, ...]
    org_id: str | None
    auth_method: str
    jwks: dict | None
    disabled: bool
    created_at: int


@dataclass(frozen=True)
class KeyInfo:
    """A signing key's public facts; ``retired_at`` is set once a newer key signs."""

    kid: str
    alg: str
    created_at: int
    retired_at: int | None = None


class ClientStore(Protocol):
    """The client registry (RFC 6749 §2, RFC 7591 §3.2.1)."""

    def add_client(self, record: ClientRecord) -> bool:
        """Insert a client; False when the id is taken (nothing is overwritten)."""
        ...

    def get_client(self, client_id: str) -> ClientRecord | None:
        """The stored record, disabled or not; None if there is no such client."""
        ...

    def list_clients(self) -> list[ClientRecord]:
        """Every client, ordered by id."""
        ...

    def set_secret_hash(self, client_id: str, secret_hash: str) -> bool:
        """Replace the client's secret hash; False if there is no such client."""
        ...

    def disable_client(self, client_id: str) -> bool:
        """Mark the client disabled; False if there is no such client."""
        ...

    def revoke_client_tokens(self, client_id: str, now: int) -> bool:
        """Every token issued to the client up to ``now`` becomes inactive; False if unknown."""
        ...


class TokenRevocations(Protocol):
    """Which issued access tokens are withdrawn (RFC 7009, RFC 7662 §2.2 ``active``)."""

    def revoke(self, jti: str, expires_at: int) -> None:
        """Withdraw one token; the record may be forgotten once ``expires_at`` has passed."""
        ...

    def token_withdrawn(self, client_id: str, jti: str, iat: int) -> bool:
        """Revoked one by one, revoked with all its client's tokens, or its client is gone."""
        ...


class SpentAssertions(Protocol):
    """The ``jti`` of every client assertion already used (RFC 7523 §3 item 7)."""

    def spend_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        """Record the ``jti``; False if it was already spent (a replay)."""
        ...


class SigningKeys(Protocol):
    """The AS's signing keys: one signs, the recently retired stay published (RFC 7517)."""

    def ensure_signing_key(self) -> KeyInfo:
        """Create the first key, or a new one when the configured algorithm changed."""
        ...

    def rotate(self) -> KeyInfo:
        """Make a new signing key; the previous one stays published until its tokens expire."""
        ...

    def revoke(self, kid: str) -> KeyInfo | None:
        """Withdraw a key at once (KeyError if unknown); the new signing key, if one was made."""
        ...

    def signing_key(self) -> ECKey | RSAKey:
        """The private key that signs new tokens."""
        ...

    def published(self) -> list[KeyInfo]:
        """Keys whose tokens may still be valid, oldest first."""
        ...

    def public_jwks(self) -> dict:
        """RFC 7517 JWK Set of the published keys, newest first."""
        ...

    def verification_keyset(self) -> KeySet:
        """The published keys, for verifying tokens this AS signed."""
        ...


class FailureBudget(Protocol):
    """Failed client authentications counted per key in a window shared by every worker.

    Keys are attacker-chosen text (a claimed client id, a peer address), so the state must
    stay bounded: expired windows are swept across all keys, and the number of keys is
    capped (the oldest windows go first).
    """

    def exhausted(self, key: str) -> bool:
        """True once the key has spent its budget in the current window."""
        ...

    def spend(self, key: str) -> None:
        """Count one failure against the key."""
        ...

    def retry_after(self, key: str) -> int:
        """Seconds until the key's window ends, at least 1."""
        ...
