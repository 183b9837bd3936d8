"""Signing keys in PostgreSQL, private keys encrypted at rest: one key set for every replica.

The ``SigningKeys`` implementation for ``AUTH_DATABASE_URL``. Each private key is stored as
a Fernet token (AES-128-CBC and HMAC-SHA256) under ``AUTH_KEY_ENCRYPTION_KEY``, as Hydra
encrypts its JWKs with its system secret: a copy of the database alone signs nothing.

Writers (first start, ``keys rotate``, ``keys revoke``) serialise on an advisory lock, so
replicas starting at once make one first key, not one each. Every write bumps the change
counter in its transaction; readers check the counter on each use and re-read the rows
only after a change, so a rotation or revocation through any replica or the CLI is in force
on every replica at the next request. Which key signs and which stay published follows
``pem_keys.PemKeyStore``, whose readers this class keeps.
"""

from __future__ import annotations

import logging
import time

import psycopg
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from joserfc.jwk import ECKey, RSAKey, import_key

from service_kit.postgres import PostgresDatabase
from service_kit.versioned import VersionedSnapshot

from .interfaces import KeyInfo
from .pem_keys import PemKeyStore, _current, _generate

log = logging.getLogger("auth_server.keys")

KEYS_LOCK = 0x4B455953  # the advisory lock of key writers ("KEYS")


class PostgresKeyStore(PemKeyStore):
    """The newest un-retired key signs; ``alg`` is ``AUTH_SIGNING_ALG``."""

    def __init__(self, db: PostgresDatabase, fernet: Fernet, alg: str, token_ttl: int) -> None:
        self.db = db
        self.fernet = fernet
        self.alg = alg
        self.token_ttl = token_ttl
        self._snapshot = VersionedSnapshot(db, self._load)

    # -- writers ---------------------------------------------------------------------------

    def ensure_signing_key(self) -> KeyInfo:
        with self.db.transaction() as conn:
            infos = self._locked_infos(conn)
            current = _current(infos)
            if current is not None and current.alg == self.alg:
                return current
            return self._rotate_in(conn, infos)

    def rotate(self) -> KeyInfo:
        with self.db.transaction() as conn:
            return self._rotate_in(conn, self._locked_infos(conn))

    def revoke(self, kid: str) -> KeyInfo | None:
        """Emergency exit for a stolen key: gone from the JWKS and the database at once."""
        with self.db.transaction() as conn:
            infos = self._locked_infos(conn)
            if kid not in {i.kid for i in infos}:
                raise KeyError(kid)
            current = _current(infos)
            new = None
            if current is not None and current.kid == kid:
                new = self._rotate_in(conn, infos)
            conn.execute("DELETE FROM signing_keys WHERE kid = %s", (kid,))
            self.db.bump(conn)
        log.warning("signing key revoked kid=%s new_kid=%s", kid, new.kid if new else None)
        return new

    def _locked_infos(self, conn: psycopg.Connection) -> list[KeyInfo]:
        # Oldest first; within one second a retired key before the one that replaced it.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (KEYS_LOCK,))
        rows = conn.execute(
            "SELECT kid, alg, created_at, retired_at FROM signing_keys"
            " ORDER BY created_at, retired_at IS NULL, retired_at"
        ).fetchall()
        return [KeyInfo(**row) for row in rows]

    def _rotate_in(self, conn: psycopg.Connection, infos: list[KeyInfo]) -> KeyInfo:
        now = int(time.time())
        pem = _generate(self.alg).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        kid = import_key(pem, "EC" if self.alg == "ES256" else "RSA").thumbprint()
        for info in infos:
            if not self._still_published(info, now):
                conn.execute("DELETE FROM signing_keys WHERE kid = %s", (info.kid,))
        conn.execute("UPDATE signing_keys SET retired_at = %s WHERE retired_at IS NULL", (now,))
        conn.execute(
            "INSERT INTO signing_keys VALUES (%s, %s, %s, NULL, %s)",
            (kid, self.alg, now, self.fernet.encrypt(pem)),
        )
        self.db.bump(conn)
        return KeyInfo(kid, self.alg, now)

    # -- readers ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        self._infos, self._keys = self._snapshot.get()

    def _load(self) -> tuple[list[KeyInfo], dict[str, ECKey | RSAKey]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT * FROM signing_keys ORDER BY created_at, retired_at IS NULL, retired_at"
            ).fetchall()
        infos = [KeyInfo(r["kid"], r["alg"], r["created_at"], r["retired_at"]) for r in rows]
        keys = {
            r["kid"]: import_key(
                self.fernet.decrypt(bytes(r["private_key"])),
                "EC" if r["alg"] == "ES256" else "RSA",
                parameters={"kid": r["kid"], "alg": r["alg"], "use": "sig"},
            )
            for r in rows
        }
        return infos, keys
