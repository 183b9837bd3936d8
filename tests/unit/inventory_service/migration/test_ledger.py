"""The usage ledgers: REST decisions per client and credential, MCP tool calls per client and tool."""

from __future__ import annotations

from pathlib import Path

from inventory_service import create_app
from inventory_service.db import Database
from inventory_service.migration.ledger import ToolLedger

from ..api_client import Api


def record_mcp_calls(settings):
    """What the MCP server process does: its own ToolLedger on the shared SQLite file."""
    ledger = ToolLedger(Database(Path(settings["data_dir"]) / "inventory.db"))
    ledger.record("inventory-agent", "reserve_stock", "accepted")
    ledger.record("readonly-agent", "reserve_stock", "refused")
    ledger.record("readonly-agent", "reserve_stock", "refused")
    ledger.flush()


def test_auth_usage_lists_mcp_calls_per_client_and_tool(api, settings):
    record_mcp_calls(settings)
    body = api.get("/admin/auth-usage", token=api.admin_token()).get_json()
    rows = {(r["client_id"], r["tool"]): r for r in body["mcp_tools"]}
    assert rows[("inventory-agent", "reserve_stock")]["accepted"] == 1
    assert rows[("readonly-agent", "reserve_stock")]["refused"] == 2
    assert rows[("readonly-agent", "reserve_stock")]["accepted"] == 0


def test_the_dashboard_shows_mcp_tool_calls_one_row_per_agent(settings, issuer):
    api = Api(create_app({**settings, "dashboard_public": "1"}), issuer)
    assert "No MCP calls yet." in api.get("/admin/dashboard").get_data(as_text=True)
    record_mcp_calls(settings)
    html = api.get("/admin/dashboard").get_data(as_text=True)
    assert (
        "<td><code>readonly-agent</code></td>\n      <td><code>reserve_stock</code> 0 (2)</td>"
        in html
    )
    assert "<td><code>reserve_stock</code> 1</td>" in html
    assert "<td>2</td>" in html  # the agent's own scope: a plain count, not a red badge


def usage_of(api, client_id):
    body = api.get("/admin/auth-usage", token=api.admin_token()).get_json()
    return next((c for c in body["clients"] if c["client_id"] == client_id), None)


def test_ledger_counts_accepted_and_refused_per_client_and_method(api):
    key = api.api_key("reporting-job")
    api.get("/inventory", key=key)
    api.get("/inventory", key=key)
    api.get("/inventory", token=api.token(client_id="reporting-job"))
    api.set_mode("token_only", client_id="reporting-job")
    api.get("/inventory", key=key)
    row = usage_of(api, "reporting-job")
    assert row["api_key"]["accepted"] == 2
    assert row["api_key"]["refused"] == 1
    assert row["token"]["accepted"] == 1
    assert row["api_key"]["last_seen"] > 0


def test_ledger_says_who_would_break_on_a_flip(api):
    api.get("/inventory", key=api.api_key("reporting-job"))
    api.get("/inventory", token=api.token(client_id="order-service"))
    assert usage_of(api, "reporting-job")["breaks_on_token_only"] is True
    assert usage_of(api, "order-service")["breaks_on_token_only"] is False
