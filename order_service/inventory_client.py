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
        self, status: int, title: str, detail: str, upstream_status: int | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.upstream_status = upstream_status


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
        url = f"{self.base_url}/inventory/{requests.utils.quote(sku, safe='')}/reservations"
        body = {"order_id": order_id, "quantity": quantity}
        response = self._send(url, body)
        if response.status_code in (200, 201):
            return response.json()
        raise _refusal(response)

    def _send(self, url: str, body: dict[str, Any]) -> requests.Response:
        for attempt in (1, 2):
            headers = self._credentials()
            try:
                metrics.INVENTORY_CALLS.labels(auth=self.auth).inc()
                response = self._http.post(url, json=body, headers=headers, timeout=self.timeout)
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
    if status in (401, 403):
        return InventoryError(
            502,
            "Inventory refused our credentials",
            detail or f"Inventory answered {status}.",
            status,
        )
    return InventoryError(502, "Inventory error", f"Inventory answered {status}.", status)
