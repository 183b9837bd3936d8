"""RFC 7662 introspection of admin tokens: the control plane hears of revocations in seconds.

Data-plane calls are judged on the JWT alone (fast, and bounded by the token's short TTL).
A token carrying ``inventory:admin`` can flip auth modes for every client, so before it is
honoured Inventory also asks the AS whether it is still active — a disabled or revoked
admin client then loses the control plane within ``INVENTORY_INTROSPECTION_CACHE_TTL``
seconds (default 5), not at its token's ``exp``.

Inventory authenticates as its own client (``INVENTORY_CLIENT_ID`` and
``INVENTORY_CLIENT_SECRET`` or ``..._FILE``, RFC 6749 §2.3.1 Basic). Fail closed: without
those settings, or while the AS cannot answer, admin tokens are refused with a 503 that
says why; data-plane tokens are not affected.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from urllib.parse import quote

import requests

from service_kit.discovery import DiscoveryError, discover

from ..config import PREFIX, Settings
from ..metrics import INTROSPECTIONS
from .policy import TokenPolicy

log = logging.getLogger(__name__)

ADMIN_SCOPE = "inventory:admin"
HTTP_TIMEOUT = 3.0
CACHE_SIZE = 1024


class IntrospectionUnavailable(Exception):
    """The AS could not be asked; the message says why, for the operator."""


class Introspector:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._endpoints: dict[str, str] = {}  # issuer -> its introspection endpoint
        self._secret: str | None = settings.client_secret
        self._answers: OrderedDict[bytes, tuple[bool, float]] = OrderedDict()
        self._lock = threading.Lock()
        if not settings.client_id:
            log.warning(
                "%sCLIENT_ID is not set: admin tokens will be refused (they need introspection)",
                PREFIX,
            )

    @staticmethod
    def required(scopes: frozenset[str]) -> bool:
        return ADMIN_SCOPE in scopes

    def active(self, token: str, digest: bytes, policy: TokenPolicy) -> bool:
        """The answer of the AS ``policy`` trusts, remembered for the cache TTL; raises
        IntrospectionUnavailable."""
        now = time.monotonic()
        hit = self._answers.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        answer = self._ask(token, policy)
        with self._lock:
            self._answers[digest] = (answer, now + self.settings.introspection_cache_ttl)
            if len(self._answers) > CACHE_SIZE:
                self._answers.popitem(last=False)
        return answer

    def _ask(self, token: str, policy: TokenPolicy) -> bool:
        client_id = self.settings.client_id
        if not client_id:
            raise IntrospectionUnavailable(
                f"admin tokens need {PREFIX}CLIENT_ID and {PREFIX}CLIENT_SECRET "
                "so Inventory can introspect them"
            )
        try:
            response = requests.post(
                self._introspection_endpoint(policy),
                data={"token": token, "token_type_hint": "access_token"},
                # RFC 6749 §2.3.1: form-urlencode id and secret before Basic encoding.
                auth=(quote(client_id, safe=""), quote(self._client_secret(), safe="")),
                timeout=HTTP_TIMEOUT,
            )
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError, OSError, DiscoveryError) as exc:
            log.warning("introspection failed: %s", exc)
            raise IntrospectionUnavailable("the authorization server could not be asked") from None
        if not isinstance(body, dict) or not isinstance(body.get("active"), bool):
            raise IntrospectionUnavailable("the introspection answer has no boolean 'active'")
        INTROSPECTIONS.labels(active=str(body["active"]).lower()).inc()
        return body["active"]

    def _client_secret(self) -> str:
        if self._secret is None and self.settings.client_secret_file is not None:
            # Read on first use: compose writes the file after Inventory has started.
            text = self.settings.client_secret_file.read_text().strip()
            if not text:
                raise ValueError(f"{PREFIX}CLIENT_SECRET_FILE is empty")
            self._secret = text
        return self._secret or ""

    def _introspection_endpoint(self, policy: TokenPolicy) -> str:
        """``INVENTORY_INTROSPECTION_ENDPOINT``, else RFC 8414 §2 ``introspection_endpoint``
        discovered once per issuer (``service_kit.discovery``)."""
        if policy.introspection_endpoint:
            return policy.introspection_endpoint
        if policy.issuer not in self._endpoints:
            meta = discover(policy.issuer, timeout=HTTP_TIMEOUT)
            endpoint = meta.get("introspection_endpoint")
            if not isinstance(endpoint, str) or not endpoint:
                raise ValueError("the AS metadata has no introspection_endpoint")
            self._endpoints[policy.issuer] = endpoint
        return self._endpoints[policy.issuer]
