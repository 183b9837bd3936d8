"""The auth-mode admin API (inventory:admin tokens only) and the RFC 9728 resource metadata."""

from __future__ import annotations

from inventory_service import create_app

from ..api_client import METADATA_URL, RESOURCE, Api

BARE = f'Bearer resource_metadata="{METADATA_URL}"'


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


def test_protected_resource_metadata(api, issuer):
    meta = api.get("/.well-known/oauth-protected-resource").get_json()
    assert meta["resource"] == RESOURCE
    assert meta["authorization_servers"] == [issuer.issuer]
    assert meta["bearer_methods_supported"] == ["header"]
    assert set(meta["scopes_supported"]) == {"inventory:read", "inventory:write", "inventory:admin"}
