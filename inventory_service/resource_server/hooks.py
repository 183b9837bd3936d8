"""What the resource server calls out to, as Protocols: it decides, others record and rule.

``DecisionRecorder`` hears every decision once (the migration tooling's usage records:
ledger, usage detail and Prometheus from the same call). ``KeyCutoff`` may refuse a valid
API key because the sunset has passed or a brownout is on (the migration tooling's
``Cutoff``). As interfaces, they keep the dependency one way: the migration package
imports the resource server, never the reverse.
"""

from __future__ import annotations

from typing import Protocol

from .decision import KeyRefusal, Principal
from .modes import Credential


class DecisionRecorder(Protocol):
    def accepted(self, principal: Principal, endpoint: str, scope: str) -> None:
        """``principal`` was let in to ``endpoint`` (e.g. ``GET /inventory``), needing ``scope``."""

    def refused(self, client_id: str, credential: Credential, issuer: str = "") -> None:
        """A call with ``credential`` was refused; ``client_id`` may be ``UNKNOWN``;
        ``issuer`` is the token's trusted issuer, or "" (no valid token)."""


class KeyCutoff(Protocol):
    def refusal(self) -> KeyRefusal | None:
        """Why every valid API key is refused right now, or None."""

    def sunset_http_date(self) -> str | None:
        """The RFC 8594 ``Sunset`` value for key responses, or None when no date is set."""
