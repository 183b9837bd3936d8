"""The dashboard at scale: a projector shows the most urgent rows and says how many more."""

from __future__ import annotations

from inventory_service import create_app
from inventory_service.migration.routes import DASHBOARD_ROWS


def test_past_the_row_limit_the_page_shows_the_red_client_first_and_counts_the_rest(
    settings, issuer
):
    app = create_app({**settings, "dashboard_public": "1"})
    ledger, detail = app.extensions["ledger"], app.extensions["usage_detail"]
    clients = [f"job-{n:03d}" for n in range(DASHBOARD_ROWS + 5)]
    for client in clients:
        ledger.record(client, "token", "accepted")
        detail.record_decision(client, "token", "accepted")
    red = clients[-1]  # last by id: shown first only because it is being refused
    ledger.record(red, "api_key", "refused")
    detail.record_decision(red, "api_key", "refused")
    html = app.test_client().get("/admin/dashboard").get_data(as_text=True)
    assert html.index(f"<code>{red}</code>") < html.index(f"<code>{clients[0]}</code>")
    assert f"<code>{clients[-2]}</code>" not in html  # past the limit
    assert "… and 5 more client(s)" in html
