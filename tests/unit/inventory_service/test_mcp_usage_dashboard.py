"""MCP tool calls, counted by the MCP process, show in the REST API's ledger and dashboard."""

from __future__ import annotations

from pathlib import Path

from inventory_service import create_app
from inventory_service.db import Database
from inventory_service.migration.ledger import ToolLedger

from .conftest import Api


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


def test_the_dashboard_shows_mcp_tool_calls(settings, issuer):
    api = Api(create_app({**settings, "dashboard_public": "1"}), issuer)
    assert "No MCP calls yet." in api.get("/admin/dashboard").get_data(as_text=True)
    record_mcp_calls(settings)
    html = api.get("/admin/dashboard").get_data(as_text=True)
    assert "<td><code>readonly-agent</code></td><td><code>reserve_stock</code></td>" in html
    assert '<span class="state refused">2</span>' in html
