"""The migration dashboard: rendered without JavaScript, admin-only unless made public."""

from __future__ import annotations

from inventory_service import create_app

from ..api_client import Api


def test_dashboard_renders_without_javascript_and_names_clients_on_keys(settings, issuer):
    api = Api(create_app({**settings, "dashboard_public": "1"}), issuer)
    api.get("/inventory", key=api.api_key("reporting-job"))
    page = api.get("/admin/dashboard")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<script" not in html
    assert "would break 1 client(s)" in html
    assert "<td><code>reporting-job</code></td>" in html
    assert "still on keys" in html


def test_dashboard_is_admin_only_unless_made_public(api):
    assert api.get("/admin/dashboard").status_code == 401
    assert api.get("/admin/dashboard", token=api.admin_token()).status_code == 200
