"""One usage record per request: the decision, counted once, feeds every view of it.

The resource server hands each decision to ``UsageRecorder`` (its ``DecisionRecorder``);
this one call counts it in the ledger (who is on which credential), in the usage detail
(endpoints, scopes, the per-minute curve, latest decisions) and in Prometheus
(``inventory_auth_requests_total``). The two in-memory counts share the process's one
``Flusher``. Only refusals the migration causes reach the curve and the client's latest
decision; scope and validation refusals are counted apart (``record_denial``). A token's
decision is also counted per issuer (``issuer_usage.py``, ``inventory_token_requests_total``).
"""

from __future__ import annotations

from ..metrics import AUTH_REQUESTS, TOKEN_ISSUERS
from ..resource_server.decision import Cause, Principal, Refused
from ..resource_server.modes import Credential
from .issuer_usage import IssuerUsage
from .ledger import UsageLedger
from .usage_detail import UsageDetailStore

ACCEPTED, REFUSED = "accepted", "refused"


class UsageRecorder:
    """The resource server's ``DecisionRecorder``: one call per decision feeds every view."""

    def __init__(
        self, ledger: UsageLedger, detail: UsageDetailStore, issuers: IssuerUsage | None = None
    ) -> None:
        self.ledger = ledger
        self.detail = detail
        self.issuers = issuers

    def accepted(self, principal: Principal, endpoint: str, scope: str) -> None:
        client_id, credential = principal.client_id, principal.credential
        self._decision(client_id, credential, ACCEPTED)
        self._by_issuer(client_id, principal.issuer, ACCEPTED)
        self.detail.record_use(
            client_id, credential, principal.key_id, endpoint, scope, principal.scopes
        )

    def refused(self, refusal: Refused) -> None:
        client_id, credential = refusal.client_id, refusal.credential or Credential.TOKEN
        self._by_issuer(client_id, refusal.issuer, REFUSED)
        if refusal.cause is Cause.MIGRATION:
            self._decision(client_id, credential, REFUSED)
            return
        # Scope and validation refusals are the caller's own mistakes, not the migration's:
        # counted in the ledger and Prometheus, but apart from "being refused right now".
        self._decision(client_id, credential, REFUSED, detail=False)
        self.detail.record_denial(client_id, refusal.cause, refusal.scopes)

    def _by_issuer(self, client_id: str, issuer: str, outcome: str) -> None:
        if issuer and self.issuers is not None:
            self.issuers.record(client_id, issuer, outcome)
            TOKEN_ISSUERS.labels(issuer=issuer, client_id=client_id, outcome=outcome).inc()

    def _decision(
        self, client_id: str, credential: Credential, outcome: str, detail: bool = True
    ) -> None:
        self.ledger.record(client_id, credential, outcome)
        if detail:
            self.detail.record_decision(client_id, credential, outcome)
        AUTH_REQUESTS.labels(client_id=client_id, method=credential, outcome=outcome).inc()
