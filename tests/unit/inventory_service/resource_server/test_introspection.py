"""Admin tokens are confirmed by RFC 7662 introspection.

The attack this closes: ``clients disable platform-admin`` at the AS while its token could
still flip Inventory's auth modes until it expired. The control plane asks the AS.
"""

from __future__ import annotations

import pytest

import inventory_service.resource_server.tokens as tokens_module
from inventory_service import create_app
from inventory_service.config import ConfigError, Settings

from ..api_client import INTROSPECTION_CLIENT, METADATA_URL, RESOURCE, Api

INVALID = f'Bearer error="invalid_token", resource_metadata="{METADATA_URL}"'


@pytest.fixture
def clock(monkeypatch):
    offset = [0.0]
    real = tokens_module.time.monotonic
    monkeypatch.setattr(tokens_module.time, "monotonic", lambda: real() + offset[0])
    return offset


def _assert_inactive(resp):
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == INVALID
    assert resp.get_json() == {
        "error": "invalid_token",
        "error_description": "The authorization server says this token is inactive.",
    }


def test_an_active_admin_token_is_asked_about_once_per_cache_ttl(api, issuer, clock):
    token = api.admin_token()
    for _ in range(5):
        assert api.get("/admin/auth-mode", token=token).status_code == 200
    assert issuer.introspections == 1
    clock[0] += 6  # INVENTORY_INTROSPECTION_CACHE_TTL defaults to 5 s
    assert api.get("/admin/auth-mode", token=token).status_code == 200
    assert issuer.introspections == 2


def test_a_disabled_admin_client_loses_the_control_plane_within_the_cache_ttl(api, issuer, clock):
    token = api.admin_token()
    assert api.get("/admin/auth-mode", token=token).status_code == 200
    issuer.disabled_clients.add("platform-admin")
    clock[0] += 6
    _assert_inactive(api.put("/admin/auth-mode", {"mode": "token_only"}, token=token))
    _assert_inactive(api.get("/admin/auth-mode", token=api.admin_token()))  # a fresh one too


def test_a_revoked_admin_token_is_refused(api, issuer):
    token = api.admin_token()
    issuer.revoked_jtis.add(
        tokens_module.jwt.decode(token, options={"verify_signature": False})["jti"]
    )
    _assert_inactive(api.get("/admin/auth-mode", token=token))


def test_a_token_carrying_the_admin_scope_is_introspected_on_data_calls_too(api, issuer):
    token = api.token(scope="inventory:read inventory:admin", client_id="platform-admin")
    issuer.disabled_clients.add("platform-admin")
    _assert_inactive(api.get("/inventory", token=token))


def test_data_plane_tokens_are_not_introspected(api, issuer):
    for _ in range(5):
        assert api.get("/inventory", token=api.token()).status_code == 200
    assert issuer.introspections == 0


def test_without_an_introspection_client_admin_tokens_are_refused_and_data_calls_work(
    settings, issuer
):
    bare = {k: v for k, v in settings.items() if k not in ("client_id", "client_secret")}
    api = Api(create_app(bare), issuer)
    resp = api.get("/admin/auth-mode", token=api.admin_token())
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    assert "INVENTORY_CLIENT_ID" in resp.get_json()["detail"]
    assert api.get("/inventory", token=api.token()).status_code == 200


@pytest.mark.parametrize("trouble", ["as-down", "wrong-secret"])
def test_admin_tokens_fail_closed_when_the_as_cannot_confirm_them(settings, issuer, trouble):
    if trouble == "as-down":
        api = Api(create_app(settings), issuer)
        token = api.admin_token()
        assert api.get("/inventory", token=api.token()).status_code == 200  # keys are known
        issuer.failing = True
    else:
        api = Api(create_app({**settings, "client_secret": "not-the-secret"}), issuer)
        token = api.admin_token()
    resp = api.get("/admin/auth-mode", token=token)
    assert resp.status_code == 503
    assert resp.get_json()["title"] == "Cannot confirm the admin token"


def test_the_secret_file_may_appear_after_start(settings, issuer, tmp_path):
    secret_file = tmp_path / "inventory-secret"
    conf = {k: v for k, v in settings.items() if k != "client_secret"}
    api = Api(create_app({**conf, "client_secret_file": str(secret_file)}), issuer)
    secret_file.write_text(INTROSPECTION_CLIENT[1] + "\n")
    assert api.get("/admin/auth-mode", token=api.admin_token()).status_code == 200


@pytest.mark.parametrize(
    "override",
    [
        {"client_id": "inventory-service"},
        {"client_secret": "s"},
        {"client_id": "x", "client_secret": "s", "client_secret_file": "/f"},
    ],
    ids=["id-without-secret", "secret-without-id", "secret-twice"],
)
def test_half_an_introspection_client_fails_at_start_naming_the_variables(issuer, override):
    with pytest.raises(ConfigError, match="INVENTORY_CLIENT_"):
        Settings.load({"issuer": issuer.issuer, "resource": RESOURCE, **override})
