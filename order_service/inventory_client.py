"""Calls to the Inventory API with whichever credential ``ORDER_AUTH`` selects.

Order never forwards a token it received: it authenticates as itself. With OAuth, a 401
from Inventory drops the cached token and the call is retried once with a fresh one. A
connection failure is retried once too; that is safe because the reservation is keyed by
the order id, so Inventory never reserves twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from . import metrics
from .token_cache import TokenCache


class InventoryError(Exception):
    """Inventory refused or could not be reached; ``status`` is what Order answers."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        upstream_status: int | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.upstream_status = upstream_status
        self.retry_after = retry_after

    @property
    def refused(self) -> bool:
        """Inventory answered and reserved nothing: out of stock, or an unknown SKU."""
        return self.upstream_status in (404, 409)


@dataclass
class InventoryClient:
    base_url: str
    auth: str  # "api_key" or "oauth"
    api_key: str | None = None
    tokens: TokenCache | None = None
    timeout: float = 5.0

    def __post_init__(self) -> None:
        self._http = requests.Session()

    def reserve(self, order_id: str, sku: str, quantity: int) -> dict[str, Any]:
        body = {"order_id": order_id, "quantity": quantity}
        response = self._send("POST", self._reservations(sku), body)
        if response.status_code in (200, 201):
            return response.json()
        raise _refusal(response)

    def release(self, order_id: str, sku: str) -> dict[str, Any]:
        """Give back ``order_id``'s reservation; idempotent, and fences the order id."""
        url = f"{self._reservations(sku)}/{requests.utils.quote(order_id, safe='')}"
        response = self._send("DELETE", url, None)
        if response.status_code == 200:
            return response.json()
        raise _refusal(response)

    def _reservations(self, sku: str) -> str:
        return f"{self.base_url}/inventory/{requests.utils.quote(sku, safe='')}/reservations"

    def _send(self, method: str, url: str, body: dict[str, Any] | None) -> requests.Response:
        for attempt in (1, 2):
            headers = self._credentials()
            try:
                metrics.INVENTORY_CALLS.labels(auth=self.auth).inc()
                response = self._http.request(
                    method, url, json=body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                if attempt == 2:
                    raise InventoryError(
                        503, "Inventory unreachable", f"{exc.__class__.__name__} calling Inventory."
                    ) from None
                continue
            if response.status_code == 401 and self.tokens and attempt == 1:
                self.tokens.invalidate(headers["Authorization"][7:])
                continue
            return response
        raise AssertionError("unreachable")

    def _credentials(self) -> dict[str, str]:
        if self.tokens:
            return {"Authorization": f"Bearer {self.tokens.get()}"}
        return {"X-API-Key": self.api_key or ""}


def _refusal(response: requests.Response) -> InventoryError:
    try:
        detail = response.json().get("detail") or response.json().get("error_description") or ""
    except ValueError:
        detail = ""
    status = response.status_code
    if status == 409:
        return InventoryError(
            409, "Not enough stock", detail or "Inventory cannot reserve that.", status
        )
    if status == 404:
        return InventoryError(
            422, "Unknown SKU", detail or "Inventory does not know that SKU.", status
        )
    if status == 410:
        return InventoryError(
            503,
            "Order attempt released",
            "The reconciler released this attempt while Inventory answered; retry "
            "(with the same Idempotency-Key, the retry starts a fresh attempt).",
            status,
        )
    if status == 503:
        # Inventory could not check our token now (its AS unreachable): the token stays
        # cached, and the caller learns when to come back (RFC 9110 §10.2.3).
        return InventoryError(
            503,
            "Inventory cannot check our credentials now",
            detail or "Inventory answered 503.",
            status,
            response.headers.get("Retry-After"),
        )
    if status in (401, 403):
        return InventoryError(
            502,
            "Inventory refused our credentials",
            detail or f"Inventory answered {status}.",
            status,
        )
    return InventoryError(502, "Inventory error", f"Inventory answered {status}.", status)
