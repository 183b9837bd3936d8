"""Every API-key response carries RFC 9745 Deprecation, and Sunset and Link when a date is set."""

from __future__ import annotations

from inventory_service import create_app

from ..api_client import Api


def test_api_key_in_dual_mode_carries_deprecation_sunset_and_link(settings, issuer):
    api = Api(create_app({**settings, "api_key_sunset": "2027-03-31"}), issuer)
    resp = api.get("/inventory", key=api.api_key())
    assert resp.status_code == 200
    assert resp.headers["Deprecation"].startswith("@") and resp.headers["Deprecation"][1:].isdigit()
    assert resp.headers["Sunset"] == "Wed, 31 Mar 2027 00:00:00 GMT"
    assert resp.headers["Link"] == (
        '<http://inventory.test/docs/migration>; rel="deprecation"; type="text/html", '
        '<http://inventory.test/docs/migration>; rel="sunset"; type="text/html"'
    )


def test_dual_mode_without_a_sunset_date_sends_no_sunset(api):
    resp = api.get("/inventory", key=api.api_key())
    assert "Deprecation" in resp.headers and "Sunset" not in resp.headers
