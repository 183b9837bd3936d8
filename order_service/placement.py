"""Placing an order all-or-nothing across Order and Inventory, optionally under an
``Idempotency-Key``.

The intent is recorded (``pending``) before the reservation is asked for and becomes the
order only once Inventory holds the reservation; 201 is answered only for an order in state
``reserved``. A request that cannot tell whether Inventory reserved (timeout, 5xx, no
token) leaves its intent pending and answers 502/503: a retry with the same key completes
that very intent (same order id, which Inventory reserves at most once), and the reconciler
(``reconciler.py``) releases it if nobody came back within the grace period. So every
reservation ends as an order or is released, and a retried key never makes a second order.

The draft's concurrent-request rule: while another request holds the key's intent, a retry
gets 409 with ``Retry-After``; once that request has answered or died (its lease is over),
the retry takes the intent over.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from .intents import Intents, OrderStatus
from .inventory_client import InventoryClient, InventoryError
from .orders import Orders
from .token_cache import AuthServerThrottling, AuthServerUnavailable, TokenRefused


@dataclass(frozen=True)
class Answer:
    """What ``POST /orders`` answers; for an error, ``body`` is an RFC 9457 problem."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def problem_body(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}


KEY_REUSED = Answer(
    422,
    problem_body(
        422,
        "Idempotency-Key is already used",
        "This key came with another request body; use a new key for a new order.",
    ),
)
ATTEMPT_RELEASED = Answer(
    503,
    problem_body(
        503,
        "Order attempt released",
        "The attempt took longer than its lease and was released; retry "
        "(with the same Idempotency-Key, the retry starts a fresh attempt).",
    ),
    {"Retry-After": "1"},
)


def created(order: dict[str, Any]) -> Answer:
    return Answer(201, order, {"Location": f"/orders/{order['id']}"})


class Placement:
    def __init__(self, orders: Orders, intents: Intents, inventory: InventoryClient) -> None:
        self.orders = orders
        self.intents = intents
        self.inventory = inventory

    def place(
        self, sku: str, quantity: int, key: str | None = None, fingerprint: str | None = None
    ) -> Answer:
        if key is None:
            order_id = self.orders.new_id()
            self.intents.begin(order_id, sku, quantity)
            return self._reserve(order_id, sku, quantity, None)
        assert fingerprint is not None
        # A few rounds at most: each one either answers or lost a race that moved the state on.
        for _ in range(3):
            state = self.intents.begin_keyed(key, fingerprint, self.orders.new_id(), sku, quantity)
            if state.fingerprint != fingerprint:
                return KEY_REUSED
            if state.created:
                return self._reserve(state.order_id, sku, quantity, key)
            if state.status is not None and state.response is not None:
                return _stored(state.order_id, state.status, state.response)
            if state.order_status is OrderStatus.RESERVED:
                order = self.orders.get(state.order_id)
                if order is not None:
                    return created(order)
            elif state.order_status is OrderStatus.PENDING:
                if state.lease_until > self.intents.now():
                    return _outstanding(state.lease_until - self.intents.now())
                if self.intents.claim(state.order_id):
                    return self._reserve(state.order_id, sku, quantity, key)
            elif state.order_status in (OrderStatus.RELEASED, OrderStatus.FAILED):
                # The attempt ended without an order (a failure is replayed above when it was
                # final): the key's request has not been done, so it gets a fresh attempt.
                order_id = self.orders.new_id()
                if self.intents.retarget(key, state.order_id, order_id, sku, quantity):
                    return self._reserve(order_id, sku, quantity, key)
            elif state.order_status is OrderStatus.RELEASING:
                return _outstanding(1)
        return _outstanding(1)

    def _reserve(self, order_id: str, sku: str, quantity: int, key: str | None) -> Answer:
        try:
            self.inventory.reserve(order_id, sku, quantity)
        except InventoryError as exc:
            answer = Answer(
                exc.status,
                problem_body(
                    exc.status, exc.title, exc.detail, upstream_status=exc.upstream_status
                ),
                {"Retry-After": exc.retry_after} if exc.retry_after else {},
            )
            if exc.refused:
                self.intents.fail(order_id, key, answer.status, answer.body)
            else:
                self.intents.let_go(order_id)
            return answer
        except AuthServerThrottling as exc:
            self.intents.let_go(order_id)
            return Answer(
                503,
                problem_body(503, "Authorization server is throttling Order", f"{exc}."),
                {"Retry-After": str(exc.retry_after)},
            )
        except AuthServerUnavailable as exc:
            self.intents.let_go(order_id)
            detail = f"No valid access token and {exc}."
            return Answer(503, problem_body(503, "Authorization server unavailable", detail))
        except TokenRefused as exc:
            self.intents.let_go(order_id)
            title = "Authorization server refused our credentials"
            return Answer(502, problem_body(502, title, str(exc)))
        order = self.intents.complete(order_id, key)
        if order is None:
            return ATTEMPT_RELEASED
        return created(order)


def _stored(order_id: str, status: int, response: str) -> Answer:
    body = json.loads(response)
    return created(body) if status == 201 else Answer(status, body)


def _outstanding(seconds: float) -> Answer:
    return Answer(
        409,
        problem_body(
            409,
            "A request is outstanding for this Idempotency-Key",
            "A request with this key is still being processed; retry after a moment.",
        ),
        {"Retry-After": str(max(1, math.ceil(seconds)))},
    )
