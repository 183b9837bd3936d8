"""``api-keys audit``: scopes granted vs used per key, and the least-privilege AS command."""

import json

from flask.testing import FlaskCliRunner

from ..api_client import RESOURCE


def audit(api, *args):
    out = FlaskCliRunner(api.app).invoke(args=["api-keys", "audit", *args])
    assert out.exit_code == 0, out.output
    return out


def row_of(api, client_id, *args):
    keys = json.loads(audit(api, "--json", *args).output)["keys"]
    return next(k for k in keys if k["client_id"] == client_id)


def test_a_key_granted_write_that_only_reads_is_over_privileged_and_gets_read(api):
    key = api.api_key("reporting-job", scope="inventory:read inventory:write")
    assert api.get("/inventory", key=key).status_code == 200
    assert api.get("/inventory/WIDGET-1", key=key).status_code == 200
    row = row_of(api, "reporting-job")
    assert row["scopes_granted"] == ["inventory:read", "inventory:write"]
    assert row["scopes_used"] == ["inventory:read"]
    assert row["over_privileged"] is True
    assert row["recommended_scope"] == "inventory:read"
    assert row["endpoints"] == {"GET /inventory": 1, "GET /inventory/<sku>": 1}
    assert row["as_command"] == (
        f'flask --app auth_server clients create reporting-job --scope "inventory:read"'
        f" --resource {RESOURCE}"
    )


def test_a_key_that_only_writes_is_told_to_drop_read(api):
    key = api.api_key("order-service", scope="inventory:read inventory:write")
    resp = api.post("/inventory/WIDGET-1/reservations", {"order_id": "a1", "quantity": 1}, key=key)
    assert resp.status_code == 201
    row = row_of(api, "order-service")
    assert row["recommended_scope"] == "inventory:write" and row["over_privileged"] is True


def test_refused_calls_and_token_calls_do_not_count_as_a_key_using_a_scope(api):
    key = api.api_key("reporting-job", scope="inventory:read")
    api.post("/inventory/WIDGET-1/reservations", {"order_id": "a2", "quantity": 1}, key=key)  # 403
    api.get("/inventory", token=api.token(client_id="reporting-job"))
    row = row_of(api, "reporting-job")
    assert row["scopes_used"] == [] and row["as_command"] is None
    assert row["advice"].startswith("no use seen in the")  # watched for seconds, not 30 days


def test_a_key_that_uses_all_it_holds_is_not_flagged(api):
    key = api.api_key("reader", scope="inventory:read")
    api.get("/inventory", key=key)
    row = row_of(api, "reader")
    assert row["over_privileged"] is False and row["recommended_scope"] == "inventory:read"


def test_table_output_names_owner_verdict_and_command_and_never_the_key(api):
    key = api.api_key("reporting-job", scope="inventory:read inventory:write")
    api.get("/inventory", key=key)
    out = audit(api).output
    assert "OVER-PRIVILEGED" in out and "reporting-job" in out
    assert '--scope "inventory:read"' in out
    assert key not in out


def test_the_window_leaves_out_older_use(api):
    key = api.api_key("reporting-job", scope="inventory:read")
    api.get("/inventory", key=key)
    api.app.extensions["usage_detail"].flush()
    db = api.app.extensions["usage_detail"].db
    with db.transaction() as conn:
        conn.execute("UPDATE auth_usage_detail SET last_seen = last_seen - 3 * 86400")
    assert row_of(api, "reporting-job", "--window", "2d")["scopes_used"] == []
    assert row_of(api, "reporting-job", "--window", "P4D")["scopes_used"] == ["inventory:read"]
    bad = FlaskCliRunner(api.app).invoke(args=["api-keys", "audit", "--window", "soon"])
    assert bad.exit_code == 2 and "not a window" in bad.output
