"""Legacy API keys, deprecation headers, and the auth-mode flags."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor

from flask.testing import FlaskCliRunner

from inventory_service import create_app

from .conftest import METADATA_URL, Api

BARE = f'Bearer resource_metadata="{METADATA_URL}"'


def test_api_key_works_in_api_key_mode_without_deprecation(settings, issuer):
    api = Api(create_app({**settings, "auth_mode": "api_key"}), issuer)
    resp = api.get("/inventory", key=api.api_key())
    assert resp.status_code == 200
    assert "Deprecation" not in resp.headers and "Sunset" not in resp.headers


def test_tokens_are_refused_in_api_key_mode(settings, issuer):
    api = Api(create_app({**settings, "auth_mode": "api_key"}), issuer)
    resp = api.get("/inventory", token=api.token())
    assert resp.status_code == 401
    assert (
        resp.headers["WWW-Authenticate"]
        == f'Bearer error="invalid_token", resource_metadata="{METADATA_URL}"'
    )
    assert "api_key" in resp.get_json()["error_description"]


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


def test_a_refused_key_says_why_and_where_to_migrate(api):
    key = api.api_key("reporting-job")
    api.set_mode("token_only")
    resp = api.get("/inventory", key=key)
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["WWW-Authenticate"] == BARE
    body = resp.get_json()
    assert body["auth_mode"] == "token_only"
    assert body["migration_docs"] == "http://inventory.test/docs/migration"
    assert "client-credentials" in body["detail"] and "reporting-job" in body["detail"]


def test_an_unknown_key_is_refused(api):
    api.api_key()
    for key in ("ik_000000000000_nope", "nonsense", "x" * 500, "ik__", "é"):
        resp = api.get("/inventory", key=key)
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"] == BARE
        assert resp.get_json()["title"] == "Invalid API key"


def test_a_key_without_the_scope_is_forbidden(api):
    resp = api.post(
        "/inventory/WIDGET-1/reservations",
        {"order_id": "o1", "quantity": 1},
        key=api.api_key(scope="inventory:read"),
    )
    assert resp.status_code == 403
    assert resp.get_json()["required_scope"] == "inventory:write"


def test_keys_are_stored_hashed(app, api):
    key = api.api_key()
    dump = "\n".join(sqlite3.connect(app.extensions["stock"].db.path).iterdump())
    secret = key.split("_", 2)[2]  # ik_<hex id>_<secret>; the secret may contain "_"
    assert key not in dump and secret not in dump


def test_pinning_one_client_to_token_only_leaves_others_on_keys(api):
    order_key, reporting_key = api.api_key("order-service"), api.api_key("reporting-job")
    api.set_mode("token_only", client_id="order-service")
    assert api.get("/inventory", key=order_key).status_code == 401
    assert api.get("/inventory", key=reporting_key).status_code == 200
    assert api.get("/inventory", token=api.token(client_id="order-service")).status_code == 200


def test_removing_a_pin_returns_the_client_to_the_global_mode(api):
    key = api.api_key("order-service")
    api.set_mode("token_only", client_id="order-service")
    resp = api.put(
        "/admin/clients/order-service/auth-mode", {"mode": None}, token=api.admin_token()
    )
    assert resp.get_json()["effective"] == "dual"
    assert api.get("/inventory", key=key).status_code == 200


def test_admin_endpoints_need_the_admin_scope(api):
    resp = api.put(
        "/admin/auth-mode",
        {"mode": "token_only"},
        token=api.token(scope="inventory:read inventory:write"),
    )
    assert resp.status_code == 403
    assert resp.headers["WWW-Authenticate"] == (
        f'Bearer error="insufficient_scope", scope="inventory:admin", resource_metadata="{METADATA_URL}"'
    )


def test_admin_endpoints_refuse_api_keys(api):
    resp = api.put(
        "/admin/auth-mode", {"mode": "token_only"}, key=api.api_key(scope="inventory:admin")
    )
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == BARE


def test_admin_works_with_a_token_even_in_api_key_mode(settings, issuer):
    api = Api(create_app({**settings, "auth_mode": "api_key"}), issuer)
    assert api.set_mode("dual").get_json()["mode"] == "dual"


def test_bad_mode_bodies_are_problems(api):
    admin = api.admin_token()
    assert api.put("/admin/auth-mode", {"mode": "open"}, token=admin).status_code == 422
    assert api.put("/admin/auth-mode", {"nope": 1}, token=admin).status_code == 400
    resp = api.http.put(
        "/admin/auth-mode",
        data="{",
        headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"},
    )
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"


def test_a_runtime_mode_is_persisted_and_survives_a_restart(settings, issuer, api):
    api.set_mode("token_only")
    restarted = create_app(settings)  # INVENTORY_AUTH_MODE=dual is only the start value
    assert restarted.extensions["auth_modes"].global_mode() == "token_only"


def test_another_worker_obeys_a_flip_as_soon_as_it_returns(settings, issuer, api):
    other = create_app(settings).extensions["auth_modes"]  # its own SQLite connection
    assert other.global_mode() == "dual"
    api.set_mode("token_only")
    assert other.global_mode() == "token_only"
    api.set_mode("dual", client_id="legacy")
    assert other.for_client("legacy")[0] == "dual"
    api.set_mode(None, client_id="legacy")
    assert other.for_client("legacy")[0] == "token_only"


def test_every_thread_of_a_worker_obeys_a_flip_at_once(settings, issuer, api):
    modes = create_app(settings).extensions["auth_modes"]
    with ThreadPoolExecutor(4) as pool:  # each thread reads once, keeping its own snapshot
        assert set(pool.map(lambda _: modes.global_mode(), range(4))) == {"dual"}
        api.set_mode("token_only")
        assert set(pool.map(lambda _: modes.global_mode(), range(40))) == {"token_only"}


def test_a_workers_own_flip_is_in_force_for_it_at_once(app):
    modes = app.extensions["auth_modes"]
    assert modes.global_mode() == "dual"
    modes.set_global("token_only")  # its own commit leaves data_version unchanged
    assert modes.global_mode() == "token_only"


def test_cli_sets_modes_offline(app):
    runner = FlaskCliRunner(app)
    assert runner.invoke(args=["auth-mode", "set", "token_only"]).exit_code == 0
    assert runner.invoke(args=["auth-mode", "set", "api_key", "--client", "legacy"]).exit_code == 0
    shown = runner.invoke(args=["auth-mode", "show"]).output
    assert '"mode": "token_only"' in shown and '"legacy": "api_key"' in shown
