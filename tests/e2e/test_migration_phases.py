"""The migration, phase by phase, on the real compose stack, through public HTTP APIs only.

Each test sets the flags its phase needs, so the phases can run alone or in order.
"""

from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
import requests

from tests.support.processes import wait_until

from .conftest import ISSUER, RESOURCE

pytestmark = pytest.mark.e2e


def obeyed_everywhere(stack, expect_status, **request):
    """A flip is in force when the admin call returns: 12 calls right after it, each on a new
    connection, 4 at a time, so both Inventory workers answer, all see the new mode."""
    headers = {**request.pop("headers", {}), "Connection": "close"}
    with ThreadPoolExecutor(4) as pool:
        codes = list(
            pool.map(
                lambda _: stack.inventory("GET", "/inventory", headers=headers).status_code,
                range(12),
            )
        )
    assert set(codes) == {expect_status}, codes


def test_phase_0_legacy_api_keys_work_without_deprecation(stack):
    stack.set_mode("api_key")
    stack.set_order_auth("api_key")
    obeyed_everywhere(stack, 200, headers=stack.key("order-service"))
    resp = stack.inventory("GET", "/inventory/WIDGET-1", headers=stack.key("order-service"))
    assert resp.status_code == 200
    assert "Deprecation" not in resp.headers
    assert stack.order().status_code == 201
    token_call = stack.inventory("GET", "/inventory", headers=stack.bearer("order-service"))
    assert token_call.status_code == 401  # tokens are not accepted yet in legacy mode


def test_phase_1_dual_mode_deprecates_keys_and_the_ledger_shows_who_uses_them(stack):
    stack.set_mode("dual")
    obeyed_everywhere(stack, 200, headers=stack.bearer("catalog-reader"))
    resp = stack.inventory("GET", "/inventory/WIDGET-1", headers=stack.key("order-service"))
    assert resp.status_code == 200
    assert resp.headers["Deprecation"].startswith("@")
    assert resp.headers["Sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT"
    assert 'rel="deprecation"' in resp.headers["Link"]
    assert stack.order().status_code == 201
    # Workers fold their counts into the ledger at least once a second.
    wait_until(
        lambda: stack.usage()["order-service"]["still_on_keys"],
        timeout=3.0,
        what="the ledger to show order-service on keys",
    )


def test_phase_2_order_moves_to_cached_tokens_while_reporting_job_keeps_its_key(stack):
    stack.set_mode("dual")
    stack.set_order_auth("oauth")
    stack.set_mode("token_only", client_id="order-service")
    obeyed_everywhere(stack, 401, headers=stack.key("order-service"))
    before = stack.metric("auth", 'auth_tokens_issued_total{client_id="order-service"}')
    for _ in range(25):
        assert stack.order().status_code == 201
    fetched = stack.metric("auth", 'auth_tokens_issued_total{client_id="order-service"}') - before
    assert 1 <= fetched <= 2  # one per Order worker, never one per order
    refused = stack.inventory("GET", "/inventory", headers=stack.key("order-service"))
    assert refused.status_code == 401
    assert refused.json()["auth_mode"] == "token_only"
    assert (
        stack.inventory("GET", "/inventory", headers=stack.key("reporting-job")).status_code == 200
    )
    # Workers fold their counts into the ledger at least once a second.
    wait_until(
        lambda: stack.usage()["order-service"]["still_on_keys"] is False,
        timeout=3.0,
        what="the ledger to show order-service on tokens",
    )


def test_phase_3_token_only_flip_refuses_every_key_and_orders_keep_flowing(stack):
    stack.set_order_auth("oauth")
    inventory_started = stack.started_at("inventory")
    stack.set_mode("token_only")
    obeyed_everywhere(stack, 401, headers=stack.key("reporting-job"))
    assert stack.started_at("inventory") == inventory_started  # flipped at runtime, no restart
    resp = stack.inventory("GET", "/inventory", headers=stack.key("reporting-job"))
    body = resp.json()
    assert resp.status_code == 401
    assert (
        resp.headers["WWW-Authenticate"]
        == f'Bearer resource_metadata="{RESOURCE}/.well-known/oauth-protected-resource"'
    )
    assert body["auth_mode"] == "token_only" and body["migration_docs"].endswith("/docs/migration")
    assert stack.order().status_code == 201
    # The lessons: a read-only token cannot write, a leaked key opens nothing.
    write = stack.inventory(
        "POST",
        "/inventory/WIDGET-1/reservations",
        json={"order_id": "e2e-lesson", "quantity": 1},
        headers=stack.bearer("catalog-reader"),
    )
    assert write.status_code == 403
    assert write.headers["WWW-Authenticate"].startswith(
        'Bearer error="insufficient_scope", scope="inventory:write"'
    )


def test_restarting_the_auth_server_keeps_earlier_tokens_valid(stack):
    stack.set_mode("dual")
    token = stack.token("catalog-reader")
    kid = jwt.get_unverified_header(token)["kid"]
    stack.run_compose("restart", "auth")
    stack.run_compose("up", "-d", "--wait", "--no-deps", "auth")
    stack.refresh_ports()
    jwks = requests.get(f"{stack.urls['auth']}/.well-known/jwks.json", timeout=10).json()
    assert kid in [k["kid"] for k in jwks["keys"]]
    assert (
        stack.inventory(
            "GET", "/inventory", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )
    new = stack.token("catalog-reader")
    assert jwt.get_unverified_header(new)["kid"] == kid
    claims = jwt.decode(new, options={"verify_signature": False})
    assert claims["aud"] == RESOURCE and claims["iss"] == ISSUER
