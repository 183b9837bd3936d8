"""The migration story, phase by phase, told over HTTP against any runtime.

Both runtimes (local processes, docker compose) provide the same small interface: the
services' URLs, the issuer and resource as the services see them, the demo credentials and
a way to redeploy Order with another ``ORDER_AUTH``. Every step checks what it shows; one
surprise ends the demo with a non-zero exit.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table

from .narration_base import DemoFailure, NarratorBase, Runtime
from .narration_mcp import McpChapter

__all__ = ["DemoFailure", "Narrator", "Runtime"]


@dataclass
class Narrator(NarratorBase):
    """The phases, told in order (``run``)."""

    def run(self) -> None:
        self.console.rule(f"[bold]API keys → OAuth 2.1 client credentials[/] ({self.rt.label})")
        from . import narration_cockpit as cockpit  # scan, audit, brownout, purge
        from . import narration_own_as as own_as

        self.phase_0()
        self.phase_1()
        self.phase_2()
        cockpit.before_cutoff(self)
        self.phase_3()
        self.lessons()
        cockpit.phase_4(self)
        McpChapter(self).run()  # phase 5: an agent on tokens only
        own_as.phase_6(self)  # the move to the AS the team already runs
        self.finish()

    def phase_0(self) -> None:
        self.phase(
            "Phase 0 · legacy",
            "Inventory accepts only X-API-Key; Order calls it with a static key.",
        )
        self.call(
            "POST",
            f"{self.order}/orders",
            "Order places an order",
            201,
            json={"sku": "WIDGET-1", "quantity": 1},
        )
        self.call("GET", f"{self.inventory}/inventory/WIDGET-1", "order-service's key reads stock", 200,
                  headers={"X-API-Key": self.key("order-service")})  # fmt: skip
        self.why(
            "It works — but the key never expires, carries no scope, and names no caller beyond itself."
        )
        self.summary.append(("0 legacy", "api_key", "keys work, no deprecation notice"))

    def phase_1(self) -> None:
        self.phase(
            "Phase 1 · dual",
            "Inventory flips to dual at runtime: tokens accepted, keys deprecated.",
        )
        self.admin(
            "PUT", "/admin/auth-mode", "platform-admin flips the global mode", {"mode": "dual"}
        )
        resp = self.call("GET", f"{self.inventory}/inventory/WIDGET-1", "the same key call", 200,
                         headers={"X-API-Key": self.key("order-service")})  # fmt: skip
        self.expect(
            "Deprecation" in resp.headers and "Sunset" in resp.headers,
            "no Deprecation/Sunset headers",
        )
        self.why(
            "RFC 9745 Deprecation + RFC 8594 Sunset tell every key caller, in-band, that the clock is ticking."
        )
        self.order_some(3)
        on_keys = self.still_on_keys(expect="order-service")
        self.console.print(f"    ledger: still on keys → [bold]{', '.join(on_keys)}[/]")
        self.expect("order-service" in on_keys, "the ledger does not show order-service on keys")
        self.summary.append(
            ("1 dual", "dual", f"keys work with Deprecation; on keys: {', '.join(on_keys)}")
        )

    def phase_2(self) -> None:
        self.phase(
            "Phase 2 · migrated",
            "Order is redeployed with ORDER_AUTH=oauth and pinned to token_only; reporting-job stays on its key.",
        )
        self.rt.set_order_auth("oauth")
        self.admin(
            "PUT",
            "/admin/clients/order-service/auth-mode",
            "pin order-service to token_only",
            {"mode": "token_only"},
        )
        before = self.metric(
            self.rt.urls["auth_server"], 'auth_tokens_issued_total{client_id="order-service"}'
        )
        self.order_some(20)
        fetched = (
            self.metric(
                self.rt.urls["auth_server"], 'auth_tokens_issued_total{client_id="order-service"}'
            )
            - before
        )
        calls = self.metric(self.order, 'order_inventory_calls_total{auth="oauth"}')
        self.console.print(
            f"  [green]✓[/] 20 orders → {calls:.0f} Inventory calls with a token, [bold]{fetched:.0f}[/] token fetch(es)"
        )
        self.expect(1 <= fetched <= 2, f"expected one token fetch per Order worker, saw {fetched}")
        self.why(
            "The token is cached until shortly before exp: one fetch per Order worker, not one per order."
        )
        self.call(
            "GET",
            f"{self.inventory}/inventory",
            "order-service's OLD key",
            401,
            headers={"X-API-Key": self.key("order-service")},
        )
        self.call(
            "GET",
            f"{self.inventory}/inventory",
            "reporting-job's key",
            200,
            headers={"X-API-Key": self.key("reporting-job")},
        )
        self.why(
            "Per-client pins migrate one caller at a time; nobody else is forced to move today."
        )
        self.summary.append(
            (
                "2 migrated",
                "dual + pin",
                f"20 orders, {fetched:.0f} token fetch(es); reporting-job still on key",
            )
        )

    def phase_3(self) -> None:
        self.phase(
            "Phase 3 · token-only", "The global flag flips to token_only at runtime — no restart."
        )
        self.admin("PUT", "/admin/auth-mode", "flip the global mode", {"mode": "token_only"})
        resp = self.call(
            "GET",
            f"{self.inventory}/inventory",
            "reporting-job's key",
            401,
            headers={"X-API-Key": self.key("reporting-job")},
        )
        self.console.print(f"      [dim]body:[/] {resp.json()['detail']}")
        self.expect(
            "migration" in resp.json()["detail"],
            "the refusal does not point to the migration guide",
        )
        self.call(
            "POST",
            f"{self.order}/orders",
            "orders keep flowing",
            201,
            json={"sku": "WIDGET-1", "quantity": 1},
        )
        self.why(
            "Every key is refused with a message that says how to migrate; token callers never noticed."
        )
        self.summary.append(
            (
                "3 token-only",
                "token_only",
                "every key refused with the migration message; orders flow",
            )
        )

    def lessons(self) -> None:
        self.phase(
            "Two lessons", "Scopes limit what a token can do; a leaked key is now worthless."
        )
        reader = self.token("catalog-reader")
        resp = self.call("POST", f"{self.inventory}/inventory/WIDGET-1/reservations", "a read-only token tries to write", 403,
                         json={"order_id": "lesson-1", "quantity": 1}, headers={"Authorization": f"Bearer {reader}"})  # fmt: skip
        self.expect(
            'error="insufficient_scope"' in resp.headers["WWW-Authenticate"],
            "no insufficient_scope challenge",
        )
        self.call(
            "GET",
            f"{self.inventory}/inventory",
            "the leaked order-service key",
            401,
            headers={"X-API-Key": self.key("order-service")},
        )
        self.why("Least privilege per token, and nothing long-lived left to steal.")

    def finish(self) -> None:
        table = Table(title="What changed", show_lines=False)
        for column in ("phase", "Inventory mode", "observed"):
            table.add_column(column)
        for row in self.summary:
            table.add_row(*row)
        self.console.print()
        self.console.print(table)
