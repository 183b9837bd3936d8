"""The usage ledger, the dashboard, Prometheus, RFC 9728 metadata and the JWKS cache."""

import logging

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from inventory_service import create_app

from .conftest import RESOURCE, Api


def usage_of(api, client_id):
    body = api.get("/admin/auth-usage", token=api.admin_token()).get_json()
    return next((c for c in body["clients"] if c["client_id"] == client_id), None)


def test_ledger_counts_accepted_and_refused_per_client_and_method(api):
    key = api.api_key("reporting-job")
    api.get("/inventory", key=key)
    api.get("/inventory", key=key)
    api.get("/inventory", token=api.token(client_id="reporting-job"))
    api.set_mode("token_only", client_id="reporting-job")
    api.get("/inventory", key=key)
    row = usage_of(api, "reporting-job")
    assert row["api_key"]["accepted"] == 2
    assert row["api_key"]["refused"] == 1
    assert row["token"]["accepted"] == 1
    assert row["api_key"]["last_seen"] > 0


def test_ledger_says_who_would_break_on_a_flip(api):
    api.get("/inventory", key=api.api_key("reporting-job"))
    api.get("/inventory", token=api.token(client_id="order-service"))
    assert usage_of(api, "reporting-job")["breaks_on_token_only"] is True
    assert usage_of(api, "order-service")["breaks_on_token_only"] is False


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


def test_metrics_count_decisions_by_client_method_and_outcome(api):
    api.get("/inventory", key=api.api_key("metrics-client"))
    api.get("/inventory", key="ik_bad_key")
    text = api.get("/metrics").get_data(as_text=True)
    assert (
        'inventory_auth_requests_total{client_id="metrics-client",method="api_key",outcome="accepted"}'
        in text
    )
    assert (
        'inventory_auth_requests_total{client_id="unknown",method="api_key",outcome="refused"}'
        in text
    )


def test_protected_resource_metadata(api, issuer):
    meta = api.get("/.well-known/oauth-protected-resource").get_json()
    assert meta["resource"] == RESOURCE
    assert meta["authorization_servers"] == [issuer.issuer]
    assert meta["bearer_methods_supported"] == ["header"]
    assert set(meta["scopes_supported"]) == {"inventory:read", "inventory:write", "inventory:admin"}


def test_request_log_names_the_client_and_method_but_never_the_credential(api, caplog):
    caplog.set_level(logging.INFO)
    key, token = api.api_key("logged-client"), api.token(client_id="token-client")
    api.get("/inventory", key=key)
    api.get("/inventory", token=token)
    assert '"client_id": "logged-client", "auth": "api_key"' in caplog.text
    assert '"client_id": "token-client", "auth": "token"' in caplog.text
    assert (
        key not in caplog.text
        and token not in caplog.text
        and token.split(".")[2] not in caplog.text
    )


def test_jwks_is_fetched_once_in_steady_state(api, issuer):
    for _ in range(20):
        assert api.get("/inventory", token=api.token()).status_code == 200
    assert issuer.jwks_fetches == 1


def test_an_unknown_kid_refetches_at_most_once_per_cooldown(settings, issuer):
    api = Api(create_app({**settings, "jwks_cooldown": "60"}), issuer)
    api.get("/inventory", token=api.token())
    attacker = ec.generate_private_key(ec.SECP256R1())
    for i in range(10):
        resp = api.get(
            "/inventory", token=issuer.mint(RESOURCE, headers={"kid": f"forged-{i}"}, key=attacker)
        )
        assert resp.status_code == 401
    assert issuer.jwks_fetches == 1  # first fetch only: the cooldown holds the forged kids off


def test_a_rotated_issuer_key_is_picked_up_through_the_unknown_kid_path(api, issuer):
    assert api.get("/inventory", token=api.token()).status_code == 200
    issuer.rotate()
    assert api.get("/inventory", token=api.token()).status_code == 200
    assert issuer.jwks_fetches == 2


def test_a_failed_refresh_keeps_the_last_good_keys(api, issuer):
    old_kid = issuer.kid
    assert api.get("/inventory", token=api.token()).status_code == 200
    issuer.failing = True
    issuer.rotate()
    assert api.get("/inventory", token=api.token()).status_code == 401  # new kid, JWKS down
    issuer.kid = old_kid  # a new token under the old, still-known key
    assert api.get("/inventory", token=api.token()).status_code == 200


def test_a_key_removed_from_the_jwks_stops_its_cached_tokens(api, issuer):
    old_kid = issuer.kid
    token = api.token()
    assert api.get("/inventory", token=token).status_code == 200  # now cached as valid
    issuer.rotate()
    issuer.drop_key(old_kid)
    assert api.get("/inventory", token=api.token()).status_code == 200  # refresh drops old kid
    assert api.get("/inventory", token=token).status_code == 401


def test_a_cached_token_still_expires(settings, issuer, monkeypatch):
    import inventory_service.resource_server.tokens as tokens_module

    api = Api(create_app({**settings, "jwt_leeway": "0"}), issuer)
    token = api.token()
    assert api.get("/inventory", token=token).status_code == 200
    real = tokens_module.time.time
    monkeypatch.setattr(tokens_module.time, "time", lambda: real() + 301)
    resp = api.get("/inventory", token=token)
    assert (
        resp.status_code == 401 and resp.get_json()["error_description"] == "The token has expired."
    )


def test_a_cached_token_still_obeys_scopes_and_flags(api):
    token = api.token(scope="inventory:read")
    assert api.get("/inventory", token=token).status_code == 200
    assert (
        api.post(
            "/inventory/WIDGET-1/reservations", {"order_id": "s", "quantity": 1}, token=token
        ).status_code
        == 403
    )
    api.set_mode("api_key", client_id="order-service")
    assert api.get("/inventory", token=token).status_code == 401


@pytest.mark.parametrize(
    "override, message",
    [
        ({"issuer": None}, "INVENTORY_ISSUER is required"),
        ({"resource": "not a url"}, "INVENTORY_RESOURCE must be an absolute"),
        ({"auth_mode": "open"}, "INVENTORY_AUTH_MODE must be one of"),
        ({"api_key_sunset": "someday"}, "INVENTORY_API_KEY_SUNSET must be a date"),
        ({"workers": "0"}, "INVENTORY_WORKERS must be between"),
    ],
)
def test_bad_settings_fail_at_start_with_the_variable_named(settings, override, message):
    from inventory_service.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        create_app({**settings, **override})


def test_threads_missing_the_key_at_once_share_one_fetch(api, issuer):
    import threading

    token, codes = api.token(), []
    threads = [
        threading.Thread(
            target=lambda: codes.append(api.get("/inventory", token=token).status_code)
        )
        for _ in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 16
    assert issuer.jwks_fetches == 1


def test_tokens_from_another_rfc9068_issuer_are_accepted(tmp_path):
    """Nothing depends on our AS: an RS256 issuer with only the RFC 9068 claims works."""
    from tests.support.issuer import TestIssuer

    other = TestIssuer(alg="RS256")
    try:
        app = create_app({"issuer": other.issuer, "resource": RESOURCE, "data_dir": str(tmp_path)})
        token = other.mint(RESOURCE, sub="partner", client_id="partner", scope="inventory:read")
        resp = app.test_client().get("/inventory", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200
    finally:
        other.close()
