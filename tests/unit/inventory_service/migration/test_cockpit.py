"""The projector dashboard and ``GET /admin/cockpit``: phase, countdown, per-client state,
scopes granted vs used, the inline SVG migration curve; red whenever a client is refused."""

import re
import time

import pytest

from inventory_service import create_app

from ..api_client import Api


@pytest.fixture
def api(settings, issuer):
    return Api(
        create_app({**settings, "dashboard_public": "1", "api_key_sunset": "2027-06-30"}), issuer
    )


class FakeClock:
    """Moves the usage recorder's time; the ledger keeps real seconds."""

    def __init__(self, api):
        self.now = time.time()
        api.app.extensions["usage_detail"].clock = lambda: self.now


def cockpit(api):
    resp = api.get("/admin/cockpit", token=api.admin_token())
    assert resp.status_code == 200
    return resp.get_json()


def client(data, client_id):
    return next(c for c in data["clients"] if c["client_id"] == client_id)


def test_a_client_whose_key_calls_fail_after_the_global_flip_is_red(api):
    key = api.api_key("order-service")
    api.get("/inventory", key=key)
    api.set_mode("token_only")
    assert api.get("/inventory", key=key).status_code == 401
    data = cockpit(api)
    order = client(data, "order-service")
    assert order["refused_now"] is True and order["state"] == "refused"
    assert data["banner"] == {"level": "bad", "text": "Being refused right now: order-service."}
    html = api.get("/admin/dashboard").get_data(as_text=True)
    assert "breaks nothing" not in html
    assert '<div class="banner bad">Being refused right now: order-service.</div>' in html
    assert '<tr class="refused">' in html


def test_a_client_that_recovers_on_tokens_is_green_again(api):
    clock = FakeClock(api)
    key = api.api_key("order-service")
    api.set_mode("token_only")
    api.get("/inventory", key=key)
    assert client(cockpit(api), "order-service")["refused_now"] is True
    clock.now += 0.001  # a millisecond later is enough to order the two
    assert api.get("/inventory", token=api.token()).status_code == 200
    data = cockpit(api)
    assert client(data, "order-service")["state"] == "tokens"
    assert data["banner"]["level"] == "ok"


def test_a_refusal_long_ago_is_no_longer_red(api):
    clock = FakeClock(api)
    key = api.api_key("reporting-job")
    api.set_mode("token_only")
    api.get("/inventory", key=key)
    clock.now += 301
    assert client(cockpit(api), "reporting-job")["refused_now"] is False


def test_scopes_granted_vs_used_and_the_phase_in_words(api):
    key = api.api_key("reporting-job", scope="inventory:read inventory:write")
    api.get("/inventory", key=key)
    api.get(
        "/inventory",
        token=api.token(scope="inventory:read inventory:write", client_id="order-service"),
    )
    api.set_mode("token_only", client_id="order-service")
    data = cockpit(api)
    reporting = client(data, "reporting-job")
    assert reporting["scopes_granted"] == ["inventory:read", "inventory:write"]
    assert reporting["scopes_used"] == ["inventory:read"]
    assert reporting["scopes_unused"] == ["inventory:write"]
    assert client(data, "order-service")["scopes_granted"] == ["inventory:read", "inventory:write"]
    assert data["phase"]["number"] == 2 and "order-service" in data["phase"]["words"]
    assert data["keys"][0]["over_privileged"] is True
    assert data["sunset"]["sunset"] == "2027-06-30" and data["sunset"]["days_left"] >= 0


def test_the_series_counts_key_and_token_calls_in_this_minute(api):
    FakeClock(api)  # frozen: the calls cannot straddle a minute boundary
    key = api.api_key("reporting-job")
    for _ in range(3):
        api.get("/inventory", key=key)
    api.get("/inventory", token=api.token())
    api.get("/inventory", key="ik_000000000000_" + "x" * 43)
    # token: the read above and this admin call itself, counted before it answers
    series = cockpit(api)["series"]
    assert len(series["api_key"]) == 10  # the curve spans the recorded minutes, 10 at least
    assert series["api_key"][-1] == 4 and series["token"][-1] == 2 and series["refused"][-1] == 1


def test_the_dashboard_is_one_page_with_an_inline_svg_chart_and_no_script_or_asset(api):
    api.get("/inventory", key=api.api_key("reporting-job"))
    page = api.get("/admin/dashboard")
    html = page.get_data(as_text=True)
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'class="line-api_key"' in html and 'class="line-token"' in html
    assert "Phase 1 · dual" in html
    assert "days" in html and "2027-06-30" in html


def test_the_cockpit_json_needs_an_admin_token_even_when_the_page_is_public(api):
    resp = api.get("/admin/cockpit")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer resource_metadata=")
    reader = api.get("/admin/cockpit", token=api.token(scope="inventory:read"))
    assert reader.status_code == 403
    assert 'error="insufficient_scope"' in reader.headers["WWW-Authenticate"]
