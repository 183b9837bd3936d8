"""The auth-mode flags: global and per client, persisted, in force in every worker and thread at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from inventory_service import create_app

from ..api_client import METADATA_URL, Api


def test_tokens_are_refused_in_api_key_mode(settings, issuer):
    api = Api(create_app({**settings, "auth_mode": "api_key"}), issuer)
    resp = api.get("/inventory", token=api.token())
    assert resp.status_code == 401
    assert (
        resp.headers["WWW-Authenticate"]
        == f'Bearer error="invalid_token", resource_metadata="{METADATA_URL}"'
    )
    assert "api_key" in resp.get_json()["error_description"]


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


@pytest.mark.parametrize("mode", [None, "token_only"])
def test_the_global_row_is_not_a_client_and_cannot_be_pinned_or_deleted(api, mode):
    key = api.api_key("reporting-job")
    resp = api.put("/admin/clients/*/auth-mode", {"mode": mode}, token=api.admin_token())
    assert resp.status_code == 422
    assert "use PUT /admin/auth-mode" in resp.get_json()["detail"]
    assert api.get("/inventory", key=key).status_code == 200  # the global mode still applies
    assert api.get("/admin/auth-mode", token=api.admin_token()).get_json()["mode"] == "dual"


def test_the_cli_refuses_to_pin_the_global_row(app):
    result = app.test_cli_runner().invoke(args=["auth-mode", "set", "inherit", "--client", "*"])
    assert result.exit_code != 0 and "is the global mode, not a client id" in result.output
    assert app.extensions["auth_modes"].global_mode() == "dual"


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


def test_flags_are_read_again_after_a_flip_elsewhere_but_not_after_other_commits(tmp_path):
    from inventory_service.db import Database
    from inventory_service.resource_server.flags import AuthModes

    db = Database(tmp_path / "inventory.db")
    modes, other = AuthModes(db, "dual"), AuthModes(Database(tmp_path / "inventory.db"), "dual")
    reads = []
    read = modes._read
    modes._modes._load = lambda: reads.append(1) or read()
    assert modes.for_client("order-service")[0] == "dual" and len(reads) == 1
    with db.transaction() as conn:  # a reservation, a ledger fold: not a flag
        conn.execute("UPDATE stock SET quantity = quantity + 1")
    assert modes.for_client("order-service")[0] == "dual" and len(reads) == 1
    other.set_client("order-service", "token_only")  # another connection, as another worker
    assert modes.for_client("order-service")[0] == "token_only" and len(reads) == 2
    other.set_client("order-service", None)
    assert modes.for_client("order-service")[0] == "dual"
