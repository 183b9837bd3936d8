"""The issuers file, re-read when it changes: an issuer added or dropped is in force at once.

Dropping an issuer is a security action (its tokens must stop working now, in every
worker of REST and MCP), so a careful operator expects the edit itself to take effect,
as kube-apiserver does with its structured authentication file. Each validation looks at
the file's identity (inode, size, modification time: one ``stat``); when it changed, the
file is parsed and checked exactly as at start-up. A file that does not parse or check
(a half-written edit, a typo) changes nothing: the last good trust set stays, the error is
logged and counted (``inventory_issuers_file_reloads_total{outcome="failed"}``). Issuers
whose policy is unchanged keep their validator, and with it their JWKS and token caches.
Write the file whole and rename it into place, and the change is atomic.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from service_kit.settings import ConfigError

from ..metrics import ISSUERS_FILE_RELOADS
from .issuers import TrustedIssuers, validator_for
from .policy import TokenPolicy
from .tokens import TokenClaims, TokenValidator

log = logging.getLogger(__name__)
Loader = Callable[[], Sequence[TokenPolicy]]


def trusted_issuers(
    policies: Sequence[TokenPolicy],
    issuers_file: str | None,
    load: Loader,
    data_dir: Path | None = None,
) -> Trusted:
    """The validator for ``policies``; with an issuers file, one that follows its edits
    (``load`` reads the settings again, as start-up does). ``data_dir``: see ``validator_for``."""
    if not issuers_file:
        return validator_for(policies, data_dir=data_dir)
    return TrustFile(Path(issuers_file), policies, load, data_dir)


class TrustFile:
    """Same interface as ``TokenValidator`` and ``TrustedIssuers``, over the file's
    current content."""

    def __init__(
        self,
        path: Path,
        policies: Sequence[TokenPolicy],
        load: Loader,
        data_dir: Path | None = None,
    ) -> None:
        self.path = path
        self._load = load
        self._data_dir = data_dir
        self._lock = threading.Lock()
        self._identity = _identity(path)
        self._policies = tuple(policies)
        self._validator = validator_for(self._policies, data_dir=data_dir)
        self._known = {p.issuer: p for p in self._policies}  # for policy_of after a drop

    @property
    def issuers(self) -> list[str]:
        self._follow()
        return [p.issuer for p in self._policies]

    def validate(self, token: str) -> TokenClaims:
        self._follow()
        return self._validator.validate(token)

    def validate_cached(self, token: str) -> TokenClaims | None:
        """``TokenValidator.validate_cached`` under the file as it is now (one ``stat``)."""
        self._follow()
        return self._validator.validate_cached(token)

    def policy_of(self, claims: TokenClaims) -> TokenPolicy:
        """The policy that accepted ``claims``, even if the file changed in between."""
        return self._known[claims.claims["iss"]]

    def _follow(self) -> None:
        identity = _identity(self.path)
        if identity == self._identity:
            return
        with self._lock:
            if identity == self._identity:
                return
            self._identity = identity
            try:
                policies = tuple(self._load())
            except ConfigError as exc:
                ISSUERS_FILE_RELOADS.labels(outcome="failed").inc()
                log.error("%s changed but is not valid; still trusting %s: %s",
                          self.path, ", ".join(p.issuer for p in self._policies), exc)  # fmt: skip
                return
            self._validator = _reusing(self._validator, policies, self._data_dir)
            self._policies = policies
            self._known.update({p.issuer: p for p in policies})
            ISSUERS_FILE_RELOADS.labels(outcome="loaded").inc()
            log.warning(
                "%s reloaded: trusting %s", self.path, ", ".join(p.issuer for p in policies)
            )


def _reusing(
    current: TokenValidator | TrustedIssuers,
    policies: Sequence[TokenPolicy],
    data_dir: Path | None,
) -> TokenValidator | TrustedIssuers:
    """A validator for ``policies`` that keeps ``current``'s per-issuer validators (their
    JWKS and token caches) wherever the policy is the same."""
    old = (
        current.validators
        if isinstance(current, TrustedIssuers)
        else {current.policy.issuer: current}
    )
    fresh = validator_for(policies, data_dir=data_dir)
    if isinstance(fresh, TrustedIssuers):
        for issuer, validator in fresh.validators.items():
            if issuer in old and old[issuer].policy == validator.policy:
                fresh.validators[issuer] = old[issuer]
        return fresh
    kept = old.get(fresh.policy.issuer)
    return kept if kept is not None and kept.policy == fresh.policy else fresh


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None  # gone or unreadable: the load says which, and the last good set stays
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


#: What the REST authenticator and the MCP gate validate tokens with.
Trusted = TokenValidator | TrustedIssuers | TrustFile
