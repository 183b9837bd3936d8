"""The reconciler: releases at Inventory every order intent that never became an order.

It runs in every worker, once at start and then every ``ORDER_RECONCILE_INTERVAL`` seconds.
A pending intent whose request has given up or died (its lease is over) and that no retry
took over within ``ORDER_RECONCILE_GRACE`` seconds is claimed (``releasing``), released at
Inventory (``DELETE .../reservations/<order_id>``, idempotent, and fencing the order id so a
reservation still on the wire cannot land afterwards), then marked ``released``. A worker
that dies mid-release leaves a ``releasing`` row whose lease runs out; the next pass, in any
worker, finishes it. Workers never release the same intent twice at once: the claim is a
compare-and-set in the shared database.

Shortcut: the timer is a daemon thread per worker, not a separate process or a queue.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field

from . import metrics
from .idempotency import KEY_TTL
from .intents import Intents
from .inventory_client import InventoryClient, InventoryError
from .token_cache import AuthServerUnavailable, TokenRefused

log = logging.getLogger(__name__)


@dataclass
class Reconciler:
    intents: Intents
    inventory: InventoryClient
    grace: float
    interval: float
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _keys_expired_at: float = field(default=float("-inf"), repr=False)

    def run_once(self) -> Counter[str]:
        """One pass; returns how many intents were released and how many must wait."""
        outcome: Counter[str] = Counter()
        for intent in self.intents.due(self.grace):
            if not self.intents.start_release(intent.id, self.grace):
                continue  # a retry or another worker took it
            try:
                released = self.inventory.release(intent.id, intent.sku)
            except (InventoryError, AuthServerUnavailable, TokenRefused) as exc:
                # Stays ``releasing``; its lease runs out and a later pass tries again.
                log.warning("release of %s deferred: %s", intent.id, exc)
                outcome["deferred"] += 1
                continue
            self.intents.finish_release(intent.id)
            kind = "released" if released.get("returned") else "nothing_held"
            outcome[kind] += 1
            metrics.INTENTS_RECONCILED.labels(outcome=kind).inc()
            log.info(
                "released order intent %s (%s, was %s): %s units back",
                intent.id, intent.sku, intent.status, released.get("returned"),
            )  # fmt: skip
        now = self.intents.now()
        if now - self._keys_expired_at > KEY_TTL / 24:  # expire keys hourly, not every pass
            self.intents.forget_keys(now - KEY_TTL)
            self._keys_expired_at = now
        return outcome

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name="order-reconciler", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while True:
            try:
                self.run_once()
            except Exception:
                # The loop must outlive any one bad pass (a locked or full database, say):
                # it is what keeps the promise that every reservation ends somewhere.
                log.exception("reconciler pass failed; next pass in %ss", self.interval)
            if self._stop.wait(self.interval):
                return
