"""``api-keys purge``: every key hash goes, but only once nobody has used a key for a while."""

import json
import logging
import time

import pytest
from flask.testing import FlaskCliRunner

from inventory_service import create_app

from ..api_client import Api


def purge(api, *args):
    return FlaskCliRunner(api.app).invoke(args=["api-keys", "purge", *args])


def test_purge_refuses_while_a_key_is_still_in_use_and_removes_nothing(api):
    key = api.api_key("reporting-job")
    assert api.get("/inventory", key=key).status_code == 200
    out = purge(api, "--unused-for", "7d")
    assert out.exit_code == 1
    assert "reporting-job used an API key" in out.output and "purge refused" in out.output
    assert api.get("/inventory", key=key).status_code == 200  # still works
    assert api.app.extensions["purge"].last() is None


def test_purge_removes_every_hash_once_no_key_was_used_in_the_window(api, caplog):
    key = api.api_key("reporting-job")
    old = api.api_key("old-job")
    api.get("/inventory", key=key)
    FlaskCliRunner(api.app).invoke(args=["api-keys", "revoke", old.split("_")[1]])
    api.app.extensions["purge"].clock = lambda: time.time() + 8 * 86400  # a week passes
    with caplog.at_level(logging.WARNING, logger="inventory_service.purge"):
        out = purge(api, "--unused-for", "7d")
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["key_count"] == 2 and result["clients"] == ["old-job", "reporting-job"]
    assert result["forced"] is False
    assert "purged 2 API key hash(es) of old-job, reporting-job" in caplog.text
    assert key not in caplog.text
    listing = FlaskCliRunner(api.app).invoke(args=["api-keys", "list"])
    assert json.loads(listing.output) == []
    resp = api.get("/inventory", key=key)
    assert resp.status_code == 401 and resp.get_json()["title"] == "Invalid API key"


def test_force_purges_anyway_and_the_record_says_so(api):
    key = api.api_key("reporting-job")
    api.get("/inventory", key=key)
    out = purge(api, "--force")
    assert out.exit_code == 0 and json.loads(out.output)["forced"] is True
    assert api.app.extensions["purge"].last()["forced"] is True
    assert api.get("/inventory", key=key).status_code == 401


def test_refused_key_calls_do_not_block_the_purge(api):
    key = api.api_key("reporting-job")
    api.set_mode("token_only")
    assert api.get("/inventory", key=key).status_code == 401
    assert purge(api, "--unused-for", "30d").exit_code == 0


def test_the_dashboard_shows_the_purge_as_phase_4(settings, issuer):
    api = Api(create_app({**settings, "dashboard_public": "1"}), issuer)
    api.api_key("reporting-job")
    assert purge(api).exit_code == 0
    html = api.get("/admin/dashboard").get_data(as_text=True)
    assert "Phase 4 · keys purged" in html and "Key hashes purged" in html


@pytest.mark.parametrize("window", ["0s", "1s", "PT0S", "P0D"])
def test_a_window_too_short_to_see_the_latest_key_use_is_refused(api, window):
    key = api.api_key("reporting-job")
    assert api.get("/inventory", key=key).status_code == 200
    out = purge(api, "--unused-for", window)
    assert out.exit_code == 2
    assert "shorter than 2 s" in out.output
    assert api.get("/inventory", key=key).status_code == 200
    assert api.app.extensions["purge"].last() is None


def test_a_window_beyond_the_calendar_is_a_usage_error(api):
    out = purge(api, "--unused-for", "P99999999999D")
    assert out.exit_code == 2 and "is not a window" in out.output
