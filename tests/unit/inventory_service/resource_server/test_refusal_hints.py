"""A refusal says what to do: an empty key variable, a key from an earlier stack."""

from __future__ import annotations


def test_an_empty_api_key_header_is_answered_as_no_credential_with_the_likely_cause(api):
    resp = api.get("/inventory", headers={"X-API-Key": ""})
    assert resp.status_code == 401
    detail = resp.get_json()["detail"]
    assert detail.startswith("No credential arrived.")
    assert "X-API-Key: <key> while keys are accepted" in detail
    assert "An empty shell variable sends nothing" in detail


def test_a_key_from_an_earlier_stack_is_refused_with_a_hint(api):
    resp = api.get("/inventory", key="ik_000000000000_" + "x" * 43)
    assert resp.status_code == 401
    body = resp.get_json()
    assert body["title"] == "Invalid API key"
    assert "before a reset no longer works" in body["detail"]
    assert body["migration_docs"].endswith("/docs/migration")


def test_after_the_flip_no_credential_does_not_suggest_an_api_key(api):
    api.set_mode("token_only")
    detail = api.get("/inventory").get_json()["detail"]
    assert "X-API-Key" not in detail and "Bearer <token>" in detail
