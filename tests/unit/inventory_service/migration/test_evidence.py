"""Verdicts from evidence: the cockpit calls a flip safe, or a key unused, only after it has
watched every stored key unused for a whole evidence window; refusals the migration does not
cause stay calm; the countdown and the curve say what the data says."""

import re

import pytest

from inventory_service import create_app

from ..api_client import Api
from .test_cockpit import FakeClock, client, cockpit


def make_api(settings, issuer, **more):
    config = {**settings, "dashboard_public": "1", "api_key_sunset": "2027-06-30", **more}
    return Api(create_app(config), issuer)


@pytest.fixture
def api(settings, issuer):
    return make_api(settings, issuer, evidence_window="60s")


def dashboard(api) -> str:
    return api.get("/admin/dashboard").get_data(as_text=True)


def test_right_after_start_with_keys_stored_the_banner_waits_for_evidence(api):
    api.api_key("order-service")
    api.api_key("reporting-job")
    data = cockpit(api)
    assert data["banner"]["level"] == "wait"
    assert "2 stored key(s) (order-service, reporting-job)" in data["banner"]["text"]
    assert "evidence window (60 s)" in data["banner"]["text"]
    html = dashboard(api)
    assert "breaks nothing" not in html and "revoke it" not in html
    # Quiet since the app started, a few seconds at most on a loaded machine: not the window.
    quiet = re.search(r"no use seen yet \(quiet for (\d+) s of 60 s\)", html)
    assert quiet and int(quiet[1]) < 60


def test_a_client_on_its_key_is_a_warning_not_a_green_light(api):
    api.get("/inventory", key=api.api_key("order-service"))
    api.api_key("reporting-job")
    data = cockpit(api)
    assert data["banner"]["level"] == "warn"
    assert "would break 1 client(s): order-service" in data["banner"]["text"]


def test_keys_watched_unused_for_the_whole_window_make_the_flip_safe_and_revocable(api):
    clock = FakeClock(api)
    api.api_key("reporting-job")
    clock.now += 61
    data = cockpit(api)
    assert data["banner"] == {
        "level": "ok",
        "text": "Every stored key has been unused for 60 s: flipping to token_only breaks nothing.",
    }
    assert data["keys"][0]["proven_unused"] is True
    assert "unused for 60 s: revoke it" in dashboard(api)


def test_a_used_key_is_proven_unused_only_a_whole_window_after_its_last_use(api):
    clock = FakeClock(api)
    api.get("/inventory", key=api.api_key("reporting-job", scope="inventory:read"))
    clock.now += 31
    row = cockpit(api)["keys"][0]
    # The ledger stamps the use in real seconds, the fake clock started just before: one
    # second may have ticked between them on a loaded machine.
    assert row["quiet_for"] in (30, 31) and row["proven_unused"] is False
    clock.now += 30
    row = cockpit(api)["keys"][0]
    assert row["proven_unused"] is True and row["advice"].startswith("unused for the whole")


def test_the_default_evidence_window_is_thirty_days(settings, issuer):
    api = make_api(settings, issuer)
    api.api_key("reporting-job")
    data = cockpit(api)
    assert data["evidence"]["window"] == 30 * 86400
    assert "(30 days)" in data["banner"]["text"]


def test_a_scope_refusal_is_counted_apart_and_calmly_after_the_flip(api):
    api.set_mode("token_only")
    reader = api.token(client_id="catalog-reader", scope="inventory:read")
    refused = api.post(
        "/inventory/WIDGET-1/reservations", {"order_id": "c1", "quantity": 1}, token=reader
    )
    assert refused.status_code == 403
    data = cockpit(api)
    row = client(data, "catalog-reader")
    assert row["refused_now"] is False and row["state"] == "idle"
    assert row["other_refusals"] == {"scope": 1}
    assert row["scopes_granted"] == ["inventory:read"]
    assert data["banner"]["level"] == "ok"
    html = dashboard(api)
    assert "Being refused right now" not in html
    assert "1 scope refusal(s): the caller" in html


def test_an_invalid_key_is_a_migration_refusal(api):
    assert api.get("/inventory", key="ik_000000000000_" + "x" * 43).status_code == 401
    assert client(cockpit(api), "unknown")["refused_now"] is True


def test_after_the_global_flip_the_countdown_says_keys_are_refused_since_then(api):
    api.set_mode("token_only")
    countdown = cockpit(api)["countdown"]
    assert countdown["big"] == "Keys refused"
    assert countdown["small"].startswith("since ") and "(token_only)" in countdown["small"]
    html = dashboard(api)
    assert "Keys refused" in html and "days" not in html.split("<table")[0].split("countdown")[-1]


def test_before_the_flip_the_countdown_counts_days_to_the_sunset(api):
    countdown = cockpit(api)["countdown"]
    assert countdown["big"].endswith(" days") and "2027-06-30" in countdown["small"]


def test_the_curve_spans_the_minutes_that_hold_calls(api):
    clock = FakeClock(api)
    api.get("/inventory", token=api.token())
    assert len(cockpit(api)["series"]["token"]) == 10
    clock.now += 30 * 60
    series = cockpit(api)["series"]["token"]
    assert len(series) in (31, 32) and series[0] >= 1  # the first calls at the left edge
    assert "31 min ago" in dashboard(api) or "32 min ago" in dashboard(api)
