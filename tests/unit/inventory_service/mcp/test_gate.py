"""The MCP gate: who may call which tool, answered in RFC 6750 form before the SDK runs.

The gate is driven as a plain ASGI app with a recording app behind it, with the real
``TokenValidator`` (audience = the MCP URL) against a third-party test issuer.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from inventory_service.db import Database
from inventory_service.mcp.gate import Gate, inspect_body
from inventory_service.mcp.settings import McpSettings
from inventory_service.mcp.tools import TOOL_SCOPES
from inventory_service.migration.ledger import ToolLedger
from inventory_service.resource_server.api_keys import ApiKeys
from inventory_service.resource_server.tokens import TokenValidator

from .gate_client import LIST, Recorder, bearer, call, tool_call

MCP_URL = "http://mcp.test:9003/mcp"
REST_URL = "http://inventory.test"
PRM = "http://mcp.test:9003/.well-known/oauth-protected-resource/mcp"


@pytest.fixture
def db(tmp_path):
    return Database(tmp_path / "inventory.db")


@pytest.fixture
def gate(issuer, db):
    settings = McpSettings.load(
        {"mcp_resource": MCP_URL, "issuer": issuer.issuer, "data_dir": "unused"}
    )
    policy = replace(settings.token_policy, leeway=30, jwks_cooldown=0, cache_size=100)
    validator = TokenValidator(policy=policy)
    return Gate(Recorder(), settings, validator, ApiKeys(db), ToolLedger(db), TOOL_SCOPES)


def test_no_credentials_is_401_without_error_code_and_points_at_the_metadata(gate):
    status, headers, _ = call(gate, LIST)
    assert status == 401
    assert headers["www-authenticate"] == (
        f'Bearer scope="inventory:read", resource_metadata="{PRM}"'
    )
    assert gate.app.calls == []


def test_the_challenge_names_the_scope_the_called_tool_needs(gate):
    status, headers, _ = call(gate, tool_call("reserve_stock", sku="W", quantity=1, order_id="o"))
    assert status == 401
    assert 'scope="inventory:write"' in headers["www-authenticate"]


def test_an_api_key_is_refused_with_a_401_saying_mcp_needs_oauth(gate, db, issuer):
    _, key = ApiKeys(db).create("reporting-job", ["inventory:read"])
    status, headers, body = call(gate, LIST, {"X-API-Key": key})
    assert status == 401
    assert headers["content-type"] == "application/problem+json"
    assert headers["www-authenticate"] == (
        f'Bearer scope="inventory:read", resource_metadata="{PRM}"'
    )
    problem = json.loads(body)
    assert problem["authorization_servers"] == [issuer.issuer]
    assert "OAuth" in problem["detail"] and issuer.issuer in problem["detail"]
    assert key not in body.decode()
    assert ("reporting-job", "tools/list", "refused") in [
        (r["client_id"], r["tool"], "refused") for r in gate.ledger.usage() if r["refused"]
    ]


def test_a_rest_audience_token_is_invalid_token_at_mcp(gate, issuer):
    token = issuer.mint(REST_URL, client_id="order-service", sub="order-service")
    status, headers, body = call(gate, LIST, bearer(token))
    assert status == 401
    assert headers["www-authenticate"] == (
        f'Bearer error="invalid_token", scope="inventory:read", resource_metadata="{PRM}"'
    )
    assert json.loads(body)["error_description"] == "The token is meant for another resource."


@pytest.mark.parametrize(
    "claims, headers",
    [
        ({"exp": 1_000_000, "iat": 999_000}, {}),  # expired
        ({}, {"typ": "JWT"}),  # an ID token or any other JWT, not RFC 9068
    ],
)
def test_expired_or_mistyped_tokens_are_invalid_token(gate, issuer, claims, headers):
    token = issuer.mint(MCP_URL, headers=headers, **claims)
    status, response_headers, _ = call(gate, LIST, bearer(token))
    assert status == 401
    assert response_headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_a_forged_token_is_invalid_token(gate, issuer):
    from cryptography.hazmat.primitives.asymmetric import ec

    token = issuer.mint(MCP_URL, key=ec.generate_private_key(ec.SECP256R1()))
    status, headers, _ = call(gate, LIST, bearer(token))
    assert status == 401
    assert headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_a_token_whose_key_cannot_be_fetched_now_is_503_with_retry_after(gate, issuer):
    assert call(gate, LIST, bearer(issuer.mint(MCP_URL)))[0] == 200
    issuer.failing = True
    issuer.rotate()
    status, headers, body = call(gate, LIST, bearer(issuer.mint(MCP_URL)))
    assert status == 503
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["retry-after"]) >= 1
    assert "www-authenticate" not in headers
    assert json.loads(body)["title"] == "Cannot check the token now"


def test_a_read_only_token_on_a_write_tool_is_403_with_held_plus_needed_scope(gate, issuer):
    token = issuer.mint(MCP_URL, scope="inventory:read", client_id="readonly-agent")
    status, headers, body = call(
        gate, tool_call("reserve_stock", sku="W", quantity=1, order_id="o"), bearer(token)
    )
    assert status == 403
    assert headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="inventory:read inventory:write", '
        f'resource_metadata="{PRM}"'
    )
    assert json.loads(body)["error"] == "insufficient_scope"
    assert gate.app.calls == []
    rows = {(r["client_id"], r["tool"]): r for r in gate.ledger.usage()}
    assert rows[("readonly-agent", "reserve_stock")]["refused"] == 1


def test_a_read_token_reaches_read_tools_with_the_caller_and_the_body_intact(gate, issuer):
    token = issuer.mint(MCP_URL, scope="inventory:read", client_id="agent-1")
    request = tool_call("get_stock", sku="WIDGET-1")
    status, _, _ = call(gate, request, bearer(token))
    assert status == 200
    scope, body = gate.app.calls[0]
    assert json.loads(body) == request
    assert scope["state"]["principal"].client_id == "agent-1"
    rows = {(r["client_id"], r["tool"]): r for r in gate.ledger.usage()}
    assert rows[("agent-1", "get_stock")]["accepted"] == 1


def test_a_batch_needs_every_scope_its_calls_need(gate, issuer):
    token = issuer.mint(MCP_URL, scope="inventory:read")
    batch = [tool_call("get_stock", sku="W"), tool_call("reserve_stock", sku="W")]
    status, _, _ = call(gate, batch, bearer(token))
    assert status == 403


def test_get_and_delete_on_mcp_are_405_in_stateless_mode(gate):
    for method in ("GET", "DELETE"):
        status, headers, _ = call(gate, method=method)
        assert status == 405
        assert headers["allow"] == "POST"


def test_a_token_in_the_query_string_is_refused(gate, issuer):
    token = issuer.mint(MCP_URL)
    status, _, body = call(gate, LIST, query=f"access_token={token}".encode())
    assert status == 400
    assert json.loads(body)["error"] == "invalid_request"


def test_other_paths_pass_through_untouched(gate):
    status, _, _ = call(gate, method="GET", path="/healthz")
    assert status == 200
    assert gate.app.calls[0][0]["path"] == "/healthz"


@pytest.mark.parametrize(
    "body, labels",
    [
        (b"not json", ("other",)),
        (json.dumps(tool_call("drop_tables")).encode(), ("tools/call:unknown",)),
        (json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode(), ()),
        (json.dumps(LIST).encode(), ("tools/list",)),
        (json.dumps({"method": "x" * 500}).encode(), ("other",)),
    ],
)
def test_ledger_labels_stay_a_small_fixed_set(body, labels):
    assert inspect_body(body, TOOL_SCOPES).labels == labels


def test_an_accepted_notification_is_not_counted_but_a_refused_one_is(gate, issuer):
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    token = issuer.mint(MCP_URL, client_id="agent-2")
    assert call(gate, note, bearer(token))[0] == 200
    assert call(gate, note)[0] == 401
    rows = {(r["client_id"], r["tool"]): r for r in gate.ledger.usage()}
    assert ("agent-2", "other") not in rows
    assert rows[("unknown", "other")]["refused"] == 1


def test_json_nested_a_hundred_thousand_deep_is_a_401_not_a_500(gate):
    status, _, _ = call(gate, b"[" * 100_000 + b"]" * 100_000)
    assert status == 401


def test_a_call_the_sdk_refuses_after_the_gate_is_counted_refused(gate, issuer):
    """The SDK's own Host/Origin/Content-Type checks answer after the gate let the token in."""
    gate.app.status = 421
    token = issuer.mint(MCP_URL, scope="inventory:read", client_id="agent-3")
    assert call(gate, tool_call("get_stock", sku="W"), bearer(token))[0] == 421
    row = {(r["client_id"], r["tool"]): r for r in gate.ledger.usage()}[("agent-3", "get_stock")]
    assert (row["accepted"], row["refused"]) == (0, 1)


def test_token_validation_runs_off_the_event_loop(gate, issuer):
    """A JWKS refetch inside it waits on the network; the loop must keep serving meanwhile."""
    loop_thread, seen = threading.get_ident(), []
    validate = gate.tokens.validate

    def recording(token):
        seen.append(threading.get_ident())
        return validate(token)

    gate.tokens.validate = recording
    assert call(gate, LIST, bearer(issuer.mint(MCP_URL)))[0] == 200
    assert seen and seen[0] != loop_thread


@pytest.mark.parametrize(
    "path", ["/metrics", "/healthz", "/.well-known/oauth-protected-resource/mcp"]
)
def test_paths_beside_mcp_answer_only_for_allowed_hosts(gate, path):
    assert call(gate, method="GET", path=path, headers={"Host": "127.0.0.1:9003"})[0] == 200
    status, _, _ = call(gate, method="GET", path=path, headers={"Host": "rebind.evil.example"})
    assert status == 421
    assert len(gate.app.calls) == 1
