"""Several replicas on one PostgreSQL behind the proxy: docker-compose.yml with
docker-compose.scale.yml (two AS replicas, three Inventory replicas, two MCP servers).

Every call goes through the proxy, as a client's would; the proxy picks a replica per request.
Each replica's own ``/metrics`` (scraped inside its container) then says which replicas
answered, so "every replica obeyed" is shown, not assumed: each counted some of the calls,
and the counts add up to exactly the calls made.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .conftest import RESOURCE

# Under make test's xdist workers every tests/e2e module is one unit of work on one worker
# (tests/support/workers.py), so this stack never starts beside another e2e module's.
pytestmark = pytest.mark.e2e

INVENTORY_PORT = 9001
AUTH_PORT = 9000


def in_parallel(count: int, call) -> list:
    """``call(i)`` for i in range(count), 8 at a time; the answers in order."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(call, range(count)))


def on_new_connections(stack, count: int, headers: dict[str, str]) -> list:
    """``count`` reads of ``/inventory``, each on a new connection: nothing a client or a
    connection kept from before the flip can carry the old answer."""
    return in_parallel(
        count,
        lambda _: stack.inventory("GET", "/inventory", headers={**headers, "Connection": "close"}),
    )


def per_replica_delta(stack, before: list[float], service: str, port: int, name: str, **labels):
    return [
        now - then
        for now, then in zip(
            stack.replica_metric(service, port, name, **labels), before, strict=True
        )
    ]


def test_the_stack_runs_the_replicas_on_postgresql(scale_stack):
    running = Counter(c.Service for c in scale_stack.compose.get_containers())
    assert {s: running[s] for s in ("auth", "inventory", "mcp", "order", "postgres")} == {
        "auth": 2,
        "inventory": 3,
        "mcp": 2,
        "order": 1,
        "postgres": 1,
    }


def test_a_token_only_flip_through_the_proxy_is_obeyed_by_every_inventory_replica(scale_stack):
    scale_stack.set_mode("dual")
    key = scale_stack.key("reporting-job")
    labels = {"client_id": "reporting-job", "method": "api_key"}
    name = "inventory_auth_requests_total"
    accepted = scale_stack.replica_metric(
        "inventory", INVENTORY_PORT, name, outcome="accepted", **labels
    )
    refused = scale_stack.replica_metric(
        "inventory", INVENTORY_PORT, name, outcome="refused", **labels
    )
    before = on_new_connections(scale_stack, 40, key)
    assert [r.status_code for r in before] == [200] * 40

    scale_stack.set_mode("token_only")  # through the proxy: one replica takes the PUT
    after = on_new_connections(scale_stack, 40, key)

    assert [r.status_code for r in after] == [401] * 40
    assert {r.headers["WWW-Authenticate"] for r in after} == {
        f'Bearer resource_metadata="{RESOURCE}/.well-known/oauth-protected-resource"'
    }
    assert {r.json()["auth_mode"] for r in after} == {"token_only"}
    accepted_now = per_replica_delta(
        scale_stack, accepted, "inventory", INVENTORY_PORT, name, outcome="accepted", **labels
    )
    refused_now = per_replica_delta(
        scale_stack, refused, "inventory", INVENTORY_PORT, name, outcome="refused", **labels
    )
    # Each of the three replicas answered some of the 40 before and some of the 40 after.
    assert sum(accepted_now) == 40 and all(n > 0 for n in accepted_now), accepted_now
    assert sum(refused_now) == 40 and all(n > 0 for n in refused_now), refused_now


def test_200_racing_reservations_through_the_proxy_sell_exactly_the_50_in_stock_once(scale_stack):
    scale_stack.set_mode("dual")
    sku = "SCALE-RACE-1"
    scale_stack.run_compose(
        "exec", "-T", "--index", "2", "inventory",
        "flask", "--app", "inventory_service", "stock", "set", sku, "50",
    )  # fmt: skip
    bearer = scale_stack.bearer("order-service")  # one token, as Order's cache would hold it
    labels = {"client_id": "order-service", "method": "token", "outcome": "accepted"}
    name = "inventory_auth_requests_total"
    before = scale_stack.replica_metric("inventory", INVENTORY_PORT, name, **labels)

    # Keep-alive connections to the proxy, one per thread: nginx still picks a replica for
    # every request (it keeps no connection to the replicas), and 200 TLS handshakes saved.
    sessions = threading.local()

    def reserve(i: int) -> requests.Response:
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        return sessions.session.post(
            f"{scale_stack.urls['inventory']}/inventory/{sku}/reservations",
            json={"order_id": f"scale-race-{i}", "quantity": 1},
            headers=bearer,
            timeout=30,
        )

    answers = in_parallel(200, reserve)

    assert Counter(r.status_code for r in answers) == {201: 50, 409: 150}
    assert {r.json()["title"] for r in answers if r.status_code == 409} == {"Not enough stock"}
    # A sold order id sent again, to whichever replicas the proxy picks: the first
    # reservation replayed (200), never a second one.
    first = next(i for i, r in enumerate(answers) if r.status_code == 201)
    retries = in_parallel(6, lambda _: reserve(first))
    assert [(r.status_code, r.json()) for r in retries] == [(200, answers[first].json())] * 6
    left = scale_stack.inventory("GET", f"/inventory/{sku}", headers=bearer)
    assert left.status_code == 200 and left.json()["quantity"] == 0
    served = per_replica_delta(scale_stack, before, "inventory", INVENTORY_PORT, name, **labels)
    assert sum(served) == 207 and all(n > 0 for n in served), served  # 200 + 6 retries + 1 read


def test_tokens_through_the_proxy_are_issued_by_both_as_replicas_and_accepted_everywhere(
    scale_stack,
):
    scale_stack.set_mode("dual")
    name = "auth_tokens_issued_total"
    before = scale_stack.replica_metric("auth", AUTH_PORT, name, client_id="catalog-reader")
    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(lambda _: scale_stack.token("catalog-reader"), range(20)))

    issued = per_replica_delta(
        scale_stack, before, "auth", AUTH_PORT, name, client_id="catalog-reader"
    )
    assert sum(issued) == 20 and all(n > 0 for n in issued), issued
    # One signing key in the database: whichever AS replica signed, every Inventory accepts.
    codes = [
        requests.get(
            f"{scale_stack.urls['inventory']}/inventory",
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
            timeout=10,
        ).status_code
        for token in tokens
    ]
    assert codes == [200] * 20
