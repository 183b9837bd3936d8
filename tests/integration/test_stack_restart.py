"""`make restart` keeps the stack's data; `make order-oauth` names the service that is down.

The real ``scripts.stack`` commands on free ports (beside any ``make up`` on 9000-9003), all
on one ``LocalStack``, which reaps the processes it started as ``make``'s own process would.
"""

from __future__ import annotations

import requests

from scripts.stack import PORTS, LocalStack, free_ports, main
from tests.integration.conftest import metric
from tests.support.processes import run_cli


def _stack(state) -> LocalStack:
    return LocalStack(
        state=state, ports=dict(zip(PORTS, free_ports(len(PORTS)), strict=True)), workers=1
    )


def _order(stack: LocalStack) -> requests.Response:
    return requests.post(
        f"{stack.urls['order_service']}/orders", json={"sku": "WIDGET-1", "quantity": 2}, timeout=10
    )


def test_restart_keeps_flags_orders_and_order_auth_and_order_oauth_names_the_as_when_down(
    tmp_path, capsys
):
    stack = _stack(tmp_path / "demo")
    try:
        assert main(["up"], stack) == 0
        placed = _order(stack).json()
        run_cli("inventory_service", stack.env("inventory_service"), "auth-mode", "set", "dual")
        stack.stop_service("auth_server")  # an AS outage
        capsys.readouterr()
        assert main(["order-auth", "oauth"], stack) == 0
        err = capsys.readouterr().err
        assert f"Auth server ({stack.ports['auth_server']}): not answering" in err
        assert "No stack is running" not in err

        assert main(["restart"], stack) == 0
        assert "on their existing data" in capsys.readouterr().out
        order_url = stack.urls["order_service"]
        assert requests.get(f"{order_url}/orders/{placed['id']}", timeout=5).json() == placed
        assert _order(stack).status_code == 201  # Inventory still dual, Order still on tokens
        assert metric(order_url, 'order_inventory_calls_total{auth="oauth"') >= 1
    finally:
        main(["down"], stack)


def test_restart_without_stack_data_says_to_run_make_up(tmp_path, capsys):
    assert main(["restart"], _stack(tmp_path / "none")) == 1
    assert "run `make up` first" in capsys.readouterr().err
