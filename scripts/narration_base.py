"""What every chapter of the demo's story needs: calls shown and checked, tokens, metrics.

``Narrator`` (``narration.py``) tells the phases with these; the MCP, cockpit and own-AS
chapters use the same object. One surprise raises ``DemoFailure`` and ends the demo.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from rich.console import Console
from rich.panel import Panel

from .stopwatch import Stopwatch

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
class NarratorBase:
    """The narrator's plumbing: calls that print what they show and check what they get."""

    rt: Runtime
    console: Console = field(default_factory=Console)
    summary: list[tuple[str, str, str]] = field(default_factory=list)
    pause: Callable[[str], None] = lambda title: None  # projector mode: before each phase
    stopwatch: Stopwatch = field(default_factory=Stopwatch)  # DEMO_TIMINGS=1: time per phase

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
        self.pause(title)
        self.stopwatch.lap(title)
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
