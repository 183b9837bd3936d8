"""Phase 6 of the demo, told against a LocalStack on free ports (never 9000-9004), with the
real node-oidc-provider: Order moves issuer with no refused call, the old issuer is dropped."""

from __future__ import annotations

import io

import pytest
import requests
from rich.console import Console

from scripts import narration_own_as, second_as
from scripts.narration import Narrator
from scripts.stack import PORTS, LocalStack
from tests.support.processes import free_port


@pytest.fixture
def token_stack(tmp_path):
    """A stack as phase 6 finds it: Inventory on tokens only, Order on client credentials."""
    stack = LocalStack(state=tmp_path / "demo", ports={name: free_port() for name in PORTS})
    try:
        stack.bootstrap()
        second_as.SecondAs(stack).prepare()
        stack.start()
        narrator = Narrator(stack, Console(file=io.StringIO(), width=200, color_system=None))
        narrator.admin("PUT", "/admin/auth-mode", "flip", {"mode": "token_only"})
        stack.set_order_auth("oauth")
        narrator.order_some(2)
        yield stack
    finally:
        stack.close()


def test_order_moves_issuer_with_no_refused_call_and_the_old_issuer_is_dropped(token_stack):
    assert second_as.installed(), "node-oidc-provider is not installed: run `make node-oidc`"
    out = io.StringIO()
    narrator = Narrator(token_stack, Console(file=out, width=200, color_system=None))
    port = free_port()
    narration_own_as.phase_6(narrator, port=port)
    text = out.getvalue()
    assert narrator.summary[-1][0] == "6 own AS"
    new = f"http://127.0.0.1:{port}"
    assert f"calls per issuer: {new} → order-service: 5 accepted, 0 refused" in text
    assert "✓ the ledger: 0 refused calls during the switch" in text
    assert "✓ the same demo-AS token: GET /inventory → 401" in text
    assert "The token comes from an issuer this API does not trust." in text
    mcp_meta = (
        f"{token_stack.urls['inventory_service.mcp']}/.well-known/oauth-protected-resource/mcp"
    )
    assert requests.get(mcp_meta, timeout=10).json()["authorization_servers"] == [new]
    assert (token_stack.state / "node-oidc-order-secret").read_text() not in text
