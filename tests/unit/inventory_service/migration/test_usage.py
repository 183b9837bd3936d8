"""One usage record per decision: the ledger, the usage detail and Prometheus agree."""

from __future__ import annotations


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
