"""Phase 6 of ``make demo``: moving to the authorization server the team already runs.

Told after the MCP chapter by ``Narrator.run`` (``narration.py``). The migration's own
discipline, applied to the AS: Inventory trusts the demo AS and node-oidc-provider at once
(an edit of the trust file it was started on, ``second_as.prepare``), Order is redeployed on the new AS and the ledger shows
no refused call, calls are counted per issuer, and the old issuer leaves the trust file:
its still-valid tokens are refused at once, with no restart.

It needs node-oidc-provider (``make node-oidc``) and the local runtime; without them the
chapter says so, with the command that enables it, and steps aside: installing Node
packages is not part of ``make demo`` (docs/decisions.md, "Phase 6 in make demo").
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import requests
from rich.text import Text

from . import second_as
from .local_stack import LocalStack

if TYPE_CHECKING:
    from .narration import Narrator

ORDERS = 5
TITLE = "Phase 6 · your own AS"


def phase_6(n: Narrator, port: int = second_as.PORT) -> None:
    """The chapter; ``port`` is node-oidc-provider's (9004 beside the demo's 9000-9003)."""
    if not isinstance(n.rt, LocalStack):
        n.console.print(f"\n  [dim]{TITLE}: shown on local processes only (make demo).[/]")
        return
    if not second_as.installed():
        n.console.print(
            f"\n  [yellow]{TITLE} skipped:[/] node-oidc-provider is not installed."
            f" Run [bold]{second_as.ENABLE}[/] (Node.js 18+, ≈10 s), then make demo."
        )
        n.summary.append(("6 own AS", "skipped", f"run {second_as.ENABLE} to include it"))
        return
    n.phase(
        TITLE,
        "The team runs its own AS (node-oidc-provider here). Inventory trusts both for a while;\n"
        "Order moves; the ledger shows who has moved; the old issuer is dropped.",
    )
    other = second_as.SecondAs(n.rt, port)
    with ThreadPoolExecutor(1) as pool:  # its boot overlaps the trust edit and Order's redeploy
        node = pool.submit(other.start)
        _move(n, other, node)


def _move(n: Narrator, other: second_as.SecondAs, node: Future) -> None:
    other.trust_both()
    n.console.print(
        f"  [green]✓[/] node-oidc-provider on [bold]{other.issuer}[/] joins Inventory's trust"
        " file ([bold]INVENTORY_ISSUERS_FILE[/]), no restart:"
    )
    for line in other.trust_file.read_text().strip().splitlines():
        n.console.print(Text(f"      {line}", style="dim"))
    servers = _authorization_servers(n)
    n.expect(servers == [n.rt.issuer, other.issuer], f"the metadata lists {servers}")

    old_token = n.token("order-service")  # as a not-yet-moved replica holds it
    refused_before = _refused_tokens(n)
    other.move_order()
    node.result()
    n.console.print(f"  Order redeployed with [bold]ORDER_ISSUER={other.issuer}[/]")
    n.order_some(ORDERS)
    n.console.print(f"  [green]✓[/] {ORDERS} orders placed with node-oidc-provider's tokens")
    n.call("GET", f"{n.inventory}/inventory", "a demo-AS token of order-service, still valid", 200,
           headers={"Authorization": f"Bearer {old_token}"})  # fmt: skip
    rows = _per_issuer(n, other.issuer)
    for row in rows:
        n.console.print(
            f"    calls per issuer: [bold]{row['issuer']}[/] → {row['client_id']}:"
            f" {row['accepted']} accepted, {row['refused']} refused"
        )
    refused = _refused_tokens(n) - refused_before
    n.expect(refused == 0, f"{refused} token call(s) of order-service refused during the switch")
    n.console.print("  [green]✓[/] the ledger: [bold]0[/] refused calls during the switch")
    n.why("Trust both, move the client, read the ledger: the move off keys, applied to the AS.")

    other.drop_old()
    n.console.print(f"  [bold]{n.rt.issuer}[/] leaves the trust file (no restart)")
    resp = n.call("GET", f"{n.inventory}/inventory", "the same demo-AS token", 401,
                  headers={"Authorization": f"Bearer {old_token}"})  # fmt: skip
    n.console.print(f"      [dim]body:[/] {resp.json()['error_description']}")
    n.expect("does not trust" in resp.json()["error_description"], "not refused as untrusted")
    n.call("POST", f"{n.order}/orders", "orders keep flowing", 201,
           json={"sku": "WIDGET-1", "quantity": 1})  # fmt: skip
    servers = _authorization_servers(n)
    n.expect(servers == [other.issuer], f"the metadata still lists {servers}")
    n.why(
        "The trust file is followed while serving: a dropped issuer's tokens stop at the next"
        " request, in every worker, REST and MCP."
    )
    n.summary.append(
        ("6 own AS", "token_only", "Order moved, 0 refused; old issuer dropped, its token 401")
    )


def _authorization_servers(n: Narrator) -> list[str]:
    url = f"{n.inventory}/.well-known/oauth-protected-resource"
    return requests.get(url, timeout=10).json()["authorization_servers"]


def _refused_tokens(n: Narrator) -> int:
    row = n.usage().get("order-service", {})
    return (row.get("token") or {}).get("refused", 0)


def _per_issuer(n: Narrator, new_issuer: str) -> list[dict]:
    """order-service's token calls per issuer. Workers fold their counts once a second:
    wait (3 s at most) until the new issuer's show every order."""
    headers = {"Authorization": f"Bearer {n.token('platform-admin')}"}
    deadline = time.monotonic() + 3
    while True:
        body = requests.get(f"{n.inventory}/admin/auth-usage", headers=headers, timeout=10).json()
        rows = [r for r in body["issuers"] if r["client_id"] == "order-service"]
        moved = sum(r["accepted"] for r in rows if r["issuer"] == new_issuer)
        if moved >= ORDERS or time.monotonic() > deadline:
            n.expect(moved >= ORDERS, f"the ledger shows {moved} calls with the new issuer")
            return rows
        time.sleep(0.2)
