"""The cutoff: brownout windows refuse keys only inside them; after the sunset keys are
refused unless an operator extends it. Time is a fake clock, never a sleep."""

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskCliRunner

from inventory_service import create_app
from inventory_service.config import ConfigError, Settings
from inventory_service.migration.cutoff import parse_brownouts, parse_duration

from ..api_client import METADATA_URL, Api

SUNSET = "2027-06-30"
BROWNOUTS = "2027-05-04T14:00Z/PT1H, 2027-06-01T14:00:00+00:00/2027-06-01T18:00:00+00:00"


class Clock:
    def __init__(self, when: str) -> None:
        self.set(when)

    def set(self, when: str) -> None:
        self.now = datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock("2027-05-04T13:59:59")


@pytest.fixture
def api(settings, issuer, clock):
    app = create_app({**settings, "api_key_sunset": SUNSET, "api_key_brownouts": BROWNOUTS})
    app.extensions["cutoff"].clock = clock
    return Api(app, issuer)


def test_a_brownout_refuses_keys_only_inside_its_window(api, clock):
    key = api.api_key("reporting-job")
    assert api.get("/inventory", key=key).status_code == 200  # 13:59:59, a second before
    clock.set("2027-05-04T14:00:00")
    inside = api.get("/inventory", key=key)
    assert inside.status_code == 401
    assert inside.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{METADATA_URL}"'
    body = inside.get_json()
    assert body["title"] == "API key brownout"
    assert body["brownout"] == "2027-05-04T14:00:00Z/2027-05-04T15:00:00Z"
    assert body["sunset"] == SUNSET
    assert "2027-05-04T14:00:00Z/2027-05-04T15:00:00Z" in body["detail"]
    assert SUNSET in body["detail"] and body["migration_docs"].endswith("/docs/migration")
    clock.set("2027-05-04T14:59:59")
    assert api.get("/inventory", key=key).status_code == 401
    clock.set("2027-05-04T15:00:00")  # the window is half-open: its end is outside
    assert api.get("/inventory", key=key).status_code == 200
    clock.set("2027-06-01T17:30:00")  # the second window, given as START/END
    assert api.get("/inventory", key=key).status_code == 401


def test_tokens_are_untouched_by_a_brownout(api, clock):
    clock.set("2027-05-04T14:30:00")
    assert api.get("/inventory", token=api.token()).status_code == 200


def test_a_brownout_refusal_is_counted_as_a_refused_key_call_of_that_client(api, clock):
    key = api.api_key("reporting-job")
    clock.set("2027-05-04T14:30:00")
    api.get("/inventory", key=key)
    body = api.get("/admin/auth-usage", token=api.admin_token()).get_json()
    row = next(c for c in body["clients"] if c["client_id"] == "reporting-job")
    assert row["api_key"]["refused"] == 1


def test_after_the_sunset_every_key_is_refused_with_the_date(api, clock):
    key = api.api_key("reporting-job")
    clock.set("2027-06-29T23:59:59")
    assert api.get("/inventory", key=key).status_code == 200
    clock.set("2027-06-30T00:00:00")
    resp = api.get("/inventory", key=key)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{METADATA_URL}"'
    body = resp.get_json()
    assert body["title"] == "API keys are retired" and body["sunset"] == SUNSET
    assert f"stopped working on {SUNSET}" in body["detail"]


def test_an_operator_extension_keeps_keys_working_until_the_new_date(api, clock):
    key = api.api_key("reporting-job")
    clock.set("2027-07-02T09:00:00")
    assert api.get("/inventory", key=key).status_code == 401
    out = FlaskCliRunner(api.app).invoke(
        args=["api-keys", "extend-sunset", "2027-07-15", "--reason", "reporting-job INC-42"]
    )
    assert out.exit_code == 0, out.output
    ok = api.get("/inventory", key=key)
    assert ok.status_code == 200
    assert ok.headers["Sunset"] == "Thu, 15 Jul 2027 00:00:00 GMT"  # RFC 8594: the real date
    clock.set("2027-07-15T00:00:00")
    refused = api.get("/inventory", key=key)
    assert refused.status_code == 401 and refused.get_json()["sunset"] == "2027-07-15"


def test_an_extension_must_end_after_the_sunset_and_needs_a_sunset(api, settings, issuer):
    runner = FlaskCliRunner(api.app)
    early = runner.invoke(args=["api-keys", "extend-sunset", "2027-06-01", "--reason", "x"])
    assert early.exit_code == 1 and "must end after the sunset" in early.output
    bad = runner.invoke(args=["api-keys", "extend-sunset", "next week", "--reason", "x"])
    assert bad.exit_code == 1
    no_sunset = FlaskCliRunner(create_app(settings)).invoke(
        args=["api-keys", "extend-sunset", "2027-07-01", "--reason", "x"]
    )
    assert no_sunset.exit_code == 1 and "INVENTORY_API_KEY_SUNSET is not set" in no_sunset.output


def test_a_token_only_refusal_still_says_how_to_migrate_during_a_brownout(api, clock):
    key = api.api_key("reporting-job")
    api.set_mode("token_only", client_id="reporting-job")
    clock.set("2027-05-04T14:30:00")
    body = api.get("/inventory", key=key).get_json()
    assert body["title"] == "API key refused" and body["auth_mode"] == "token_only"


def test_the_migration_page_states_the_sunset_date_and_the_brownouts(api, clock):
    page = api.get("/docs/migration").get_data(as_text=True)
    assert "API keys stop working on 2027-06-30" in page
    assert "2027-05-04T14:00:00Z/2027-05-04T15:00:00Z" in page


@pytest.mark.parametrize(
    "value",
    [
        "2027-05-04T14:00Z",
        "2027-05-04T14:00Z/PT",
        "tomorrow/PT1H",
        "2027-05-04T14:00Z/PT-1H",
        "2027-05-04T14:00Z/2027-05-04T13:00Z",
        "2027-05-04T14:00Z/P999999999D",  # beyond timedelta: OverflowError, not a traceback
        "2027-05-04T14:00Z/P3000000D",  # beyond the year 9999
        "2027-05-04T14:00Z/PT99999999999999999999H",
    ],
)
def test_malformed_brownouts_fail_at_start_naming_the_variable(settings, value):
    with pytest.raises(ConfigError, match="INVENTORY_API_KEY_BROWNOUTS must be ISO 8601"):
        Settings.load({**settings, "api_key_brownouts": value})


def test_durations_and_windows_parse_as_iso_8601():
    assert parse_duration("P1DT2H30M").total_seconds() == 86400 + 2 * 3600 + 30 * 60
    windows = parse_brownouts("2027-06-01T14:00Z/PT4H;2027-05-04T14:00Z/PT1H")
    assert [w.label for w in windows] == [
        "2027-05-04T14:00:00Z/2027-05-04T15:00:00Z",
        "2027-06-01T14:00:00Z/2027-06-01T18:00:00Z",
    ]
