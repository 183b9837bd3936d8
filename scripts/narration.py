"""The migration story, phase by phase, told over HTTP against any runtime.

Both runtimes (local processes, docker compose) provide the same small interface: the
services' URLs, the issuer and resource as the services see them, the demo credentials and
a way to redeploy Order with another ``ORDER_AUTH``. Every step checks what it shows; one
surprise ends the demo with a non-zero exit.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from .narration_mcp import McpChapter

HEADERS_THAT_MATTER = ("Deprecation", "Sunset", "Link", "WWW-Authenticate")


class Runtime(Protocol):
    urls: dict[str, str]
    issuer: str
    resource: str
    label: str

    def credentials(self) -> dict: ...

    def set_order_auth(self, mode: str) -> None: ...


class DemoFailure(AssertionError):
    pass


@dataclass
class Narrator:
    rt: Runtime
    console: Console = field(default_factory=Console)
    summary: list[tuple[str, str, str]] = field(default_factory=list)

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def inventory(self) -> str:
        return self.rt.urls["inventory_service"]

    @property
    def order(self) -> str:
        return self.rt.urls["order_service"]

    def token(self, client_id: str) -> str:
        secret = self.rt.credentials()["client_secrets"][client_id]
        resp = requests.post(
            f"{self.rt.urls['auth_server']}/oauth/token",
            data={"grant_type": "client_credentials", "resource": self.rt.resource},
            auth=(client_id, secret),
            timeout=10,
        )
        self.expect(
            resp.status_code == 200, f"token for {client_id}: {resp.status_code} {resp.text[:200]}"
        )
        return resp.json()["access_token"]

    def key(self, client_id: str) -> str:
        return self.rt.credentials()["api_keys"][client_id]

    def call(
        self, method: str, url: str, what: str, expect_status: int, **kwargs: Any
    ) -> requests.Response:
        resp = requests.request(method, url, timeout=10, **kwargs)
        shown = {h: resp.headers[h] for h in HEADERS_THAT_MATTER if h in resp.headers}
        path = re.sub(r"^https?://[^/]+", "", url)
        mark = "[green]✓[/]" if resp.status_code == expect_status else "[red]✗[/]"
        self.console.print(
            f"  {mark} {what}: [bold]{method} {path}[/] → [bold]{resp.status_code}[/]"
        )
        for name, value in shown.items():
            self.console.print(f"      [dim]{name}:[/] {value}")
        self.expect(
            resp.status_code == expect_status,
            f"{what}: expected {expect_status}, got {resp.status_code}: {resp.text[:300]}",
        )
        return resp

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            raise DemoFailure(message)

    def why(self, text: str) -> None:
        self.console.print(f"    [italic]{text}[/]")

    def phase(self, title: str, change: str) -> None:
        self.console.print()
        self.console.print(Panel(change, title=f"[bold]{title}[/]", expand=False))

    def metric(self, base: str, name: str) -> float:
        text = requests.get(f"{base}/metrics", timeout=10).text
        return sum(
            float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name)
        )

    def usage(self) -> dict[str, dict]:
        body = self.admin("GET", "/admin/auth-usage", "read the usage ledger").json()
        return {row["client_id"]: row for row in body["clients"]}

    def still_on_keys(self, expect: str) -> list[str]:
        """Who the ledger shows on keys. Flags are exact at once, but each worker folds its
        counts into the ledger once a second, so wait (3 s at most) for ``expect`` to show."""
        headers = {"Authorization": f"Bearer {self.token('platform-admin')}"}
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            rows = requests.get(f"{self.inventory}/admin/auth-usage", headers=headers, timeout=10)
            if any(r["client_id"] == expect and r["still_on_keys"] for r in rows.json()["clients"]):
                break
            time.sleep(0.2)
        return [c for c, row in self.usage().items() if row.get("still_on_keys")]

    def admin(
        self, method: str, path: str, what: str, body: dict | None = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token('platform-admin')}"}
        return self.call(method, f"{self.inventory}{path}", what, 200, json=body, headers=headers)

    def order_some(self, n: int) -> None:
        for _ in range(n):
            resp = requests.post(
                f"{self.order}/orders", json={"sku": "WIDGET-1", "quantity": 1}, timeout=10
            )
            self.expect(
                resp.status_code == 201, f"order failed: {resp.status_code} {resp.text[:300]}"
            )

    # -- the story ---------------------------------------------------------------------------

    def run(self) -> None:
        self.console.rule(f"[bold]API keys → OAuth 2.1 client credentials[/] ({self.rt.label})")
        from . import narration_cockpit as cockpit  # scan, audit, brownout, purge

        self.phase_0()
        self.phase_1()
        self.phase_2()
        cockpit.before_cutoff(self)
        self.phase_3()
        self.lessons()
        cockpit.phase_4(self)
        McpChapter(self).run()  # phase 5: an agent on tokens only
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
