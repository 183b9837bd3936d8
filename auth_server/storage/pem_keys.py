"""Signing keys as PEM files, shared by every gunicorn worker and every restart.

The ``SigningKeys`` implementation of ``interfaces.py`` for the zero-set-up data directory.

Layout under ``<data_dir>/keys``: one PEM file per key (mode 0600) and ``manifest.json``
listing them oldest first. The newest un-retired key signs; retired keys stay published in
the JWKS until every token they signed has expired (retired_at + token TTL + leeway).
Writers (first start, ``keys rotate``, ``keys revoke``) take an exclusive ``flock`` and
replace the manifest atomically; readers ``stat`` it on every use (about a microsecond) and
re-read the keys only when its inode, size or mtime changed. So a rotation or a revocation
is in force in every worker as soon as the command returns, without a restart.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import ECKey, KeySet, RSAKey, import_key

from .interfaces import KeyInfo

log = logging.getLogger("auth_server.keys")  # the name operators filter key events by

ROTATION_LEEWAY = 60  # seconds of clock skew a resource server may allow past exp


class PemKeyStore:
    """``<data_dir>/keys``: the newest un-retired key signs; ``alg`` is ``AUTH_SIGNING_ALG``."""

    def __init__(self, directory: Path, alg: str, token_ttl: int) -> None:
        self.directory = directory
        self.alg = alg
        self.token_ttl = token_ttl
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._infos: list[KeyInfo] = []
        self._keys: dict[str, ECKey | RSAKey] = {}

    # -- writers ---------------------------------------------------------------------------

    def ensure_signing_key(self) -> KeyInfo:
        """Create the first key, or a new one when ``AUTH_SIGNING_ALG`` changed."""
        with self._exclusive():
            infos = self._read_manifest()
            current = _current(infos)
            if current is not None and current.alg == self.alg:
                return current
            return self._rotate_locked(infos)

    def rotate(self) -> KeyInfo:
        with self._exclusive():
            return self._rotate_locked(self._read_manifest())

    def _rotate_locked(self, infos: list[KeyInfo]) -> KeyInfo:
        now = int(time.time())
        private = _generate(self.alg)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        key = import_key(pem, "EC" if self.alg == "ES256" else "RSA")
        kid = key.thumbprint()  # RFC 7638: stable, derived from the public key
        _write_private(self.directory / f"{kid}.pem", pem)
        retired = [
            KeyInfo(i.kid, i.alg, i.created_at, i.retired_at or now)
            for i in infos
            if self._still_published(i, now)
        ]
        new = KeyInfo(kid, self.alg, now)
        self._write_manifest([*retired, new])
        for gone in {i.kid for i in infos} - {i.kid for i in retired}:
            (self.directory / f"{gone}.pem").unlink(missing_ok=True)
        self._stamp = None  # make this process reload at once
        return new

    def revoke(self, kid: str) -> KeyInfo | None:
        """Emergency exit for a stolen key: it leaves the JWKS and the disk at once.

        When ``kid`` is the signing key a new key is made first, so signing never stops.
        Returns the new signing key, or None when ``kid`` was already retired.
        """
        with self._exclusive():
            infos = self._read_manifest()
            if kid not in {i.kid for i in infos}:
                raise KeyError(kid)
            current = _current(infos)
            new = None
            if current is not None and current.kid == kid:
                new = self._rotate_locked(infos)
                infos = self._read_manifest()
            self._write_manifest([i for i in infos if i.kid != kid])
            (self.directory / f"{kid}.pem").unlink(missing_ok=True)
            self._stamp = None
        log.warning("signing key revoked kid=%s new_kid=%s", kid, new.kid if new else None)
        return new

    def _still_published(self, info: KeyInfo, now: int) -> bool:
        return info.retired_at is None or info.retired_at + self.token_ttl + ROTATION_LEEWAY > now

    # -- readers ---------------------------------------------------------------------------

    def signing_key(self) -> ECKey | RSAKey:
        self._refresh()
        current = _current(self._infos)
        if current is None:
            raise RuntimeError("no signing key; the server must call ensure_signing_key()")
        return self._keys[current.kid]

    def published(self) -> list[KeyInfo]:
        self._refresh()
        now = int(time.time())
        return [i for i in self._infos if self._still_published(i, now)]

    def public_jwks(self) -> dict:
        """RFC 7517 JWK Set of every key whose tokens may still be valid, newest first."""
        keys = []
        for info in reversed(self.published()):
            jwk = self._keys[info.kid].as_dict(private=False)
            keys.append({**jwk, "kid": info.kid, "alg": info.alg, "use": "sig"})
        return {"keys": keys}

    def verification_keyset(self) -> KeySet:
        return KeySet([self._keys[i.kid] for i in self.published()])

    def _refresh(self) -> None:
        # One stat per use: cheap enough for every request (see docs/performance.md), and
        # what makes `keys rotate` / `keys revoke` take effect in every worker at once.
        if self._manifest_stamp() == self._stamp and self._stamp is not None:
            return
        with self._lock:
            stamp = self._manifest_stamp()
            if stamp == self._stamp:
                return
            infos = self._read_manifest()
            keys = {}
            for info in infos:
                pem = (self.directory / f"{info.kid}.pem").read_bytes()
                keys[info.kid] = import_key(
                    pem,
                    "EC" if info.alg == "ES256" else "RSA",
                    parameters={"kid": info.kid, "alg": info.alg, "use": "sig"},
                )
            self._infos, self._keys, self._stamp = infos, keys, stamp

    # -- files -----------------------------------------------------------------------------

    @property
    def _manifest(self) -> Path:
        return self.directory / "manifest.json"

    def _manifest_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._manifest)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def _read_manifest(self) -> list[KeyInfo]:
        try:
            data = json.loads(self._manifest.read_text())
        except FileNotFoundError:
            return []
        return [KeyInfo(**item) for item in data["keys"]]

    def _write_manifest(self, infos: list[KeyInfo]) -> None:
        tmp = self._manifest.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps({"keys": [i.__dict__ for i in infos]}, indent=2))
        # Atomic, and a new inode every time: readers see the old or the new list, and
        # notice the change even within one mtime tick.
        os.replace(tmp, self._manifest)

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _current(infos: list[KeyInfo]) -> KeyInfo | None:
    live = [i for i in infos if i.retired_at is None]
    return live[-1] if live else None


def _generate(alg: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_private(path: Path, pem: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
