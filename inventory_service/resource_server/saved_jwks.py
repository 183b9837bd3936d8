"""The last good JWKS of an issuer, on disk, so a worker that boots during an AS outage
starts with the keys its siblings already trusted.

One JSON file per issuer in the data dir (``jwks/<sha256(issuer)[:16]>.json``), written
0600 to a temporary file, fsynced and renamed over the old one (atomic on POSIX), so a
reader sees the old copy or the new one, never half of either. It holds public keys only:
exactly the ``keys`` array of the JWKS document (RFC 7517 §5) the AS served.

Each copy carries the wall-clock time its fetch *started*; a copy only replaces one that
started earlier (under an ``flock`` on a lock file beside it). So a worker whose fetch began
before a key left the AS's JWKS cannot write that key back over a newer copy without it:
a key that left on a successful fetch never returns from here.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DIRECTORY = "jwks"


@dataclass(frozen=True)
class SavedKeys:
    keys: list[dict[str, Any]]  # the JWKS "keys" array, public keys only
    fetched_at: float  # wall-clock start of the fetch that returned them


class SavedJwks:
    """The saved copy of one issuer's JWKS; every worker and the MCP server share it."""

    def __init__(self, data_dir: Path, issuer: str) -> None:
        name = hashlib.sha256(issuer.encode()).hexdigest()[:16]
        self.directory = data_dir / DIRECTORY
        self.path = self.directory / f"{name}.json"
        self.issuer = issuer

    def load(self) -> SavedKeys | None:
        """The saved copy, or ``None`` when there is none or it cannot be read."""
        try:
            document = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("saved JWKS %s unreadable, ignored: %s", self.path, exc)
            return None
        if (
            not isinstance(document, dict)
            or document.get("issuer") != self.issuer
            or not isinstance(document.get("keys"), list)
            or not isinstance(document.get("fetched_at"), int | float)
        ):
            log.warning("saved JWKS %s is not for %s, ignored", self.path, self.issuer)
            return None
        return SavedKeys(document["keys"], float(document["fetched_at"]))

    def save(self, keys: list[dict[str, Any]], fetched_at: float) -> None:
        """Replace the copy unless a fetch that started later has already written one."""
        try:
            with self._locked():
                current = self.load()
                if current is not None and current.fetched_at > fetched_at:
                    return
                public = [_public(key) for key in keys]
                body = {"issuer": self.issuer, "fetched_at": fetched_at, "keys": public}
                self._write(json.dumps(body, separators=(",", ":")).encode())
        except OSError as exc:
            # A full or read-only disk must not fail token validation; the keys in memory
            # serve, and the next successful fetch tries again.
            log.warning("saving the JWKS to %s failed: %s", self.path, exc)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the flock

    def _write(self, data: bytes) -> None:
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".jwks-", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


# RFC 7518 §6.3.2 / §6.2.2 / RFC 8037 §2: the private members of RSA, EC and OKP keys.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _public(key: dict[str, Any]) -> dict[str, Any]:
    """A JWKS should carry no private members; should one slip in, it is not written."""
    return {name: value for name, value in key.items() if name not in _PRIVATE_MEMBERS}
