"""Token calls per issuer: who has moved to the new authorization server, and who has not.

Moving from one AS to another (``INVENTORY_ISSUERS_FILE`` trusting both for a while) is a
migration like the move off API keys, and needs the same evidence before the old issuer is
dropped: which clients still arrive with its tokens. Counted per (client, issuer, outcome)
from the resource server's decision, in memory, and folded into ``token_issuer_usage`` by
the process's ``Flusher`` like the ledger. A refused token is counted against an issuer only
once its signature held: an untrusted or forged ``iss`` is never a row.
"""

from __future__ import annotations

from .ledger import _Counts


class IssuerUsage(_Counts):
    TABLE, KIND = "token_issuer_usage", "issuer"

    def usage(self) -> list[dict]:
        """Per (issuer, client): accepted and refused token calls and when last seen."""
        return sorted(self._per_kind(), key=lambda row: (row["issuer"], row["client_id"]))
