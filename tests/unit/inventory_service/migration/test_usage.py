"""One usage record per decision: the ledger, the usage detail and Prometheus agree."""

from __future__ import annotations

import threading


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


def _prometheus(api, client_id: str, method: str, outcome: str) -> float:
    labels = f'client_id="{client_id}",method="{method}",outcome="{outcome}"'
    for line in api.get("/metrics").get_data(as_text=True).splitlines():
        if line.startswith(f"inventory_auth_requests_total{{{labels}}}"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _views(api, client_id: str) -> tuple:
    """What the ledger, the usage detail and Prometheus each know of ``client_id``."""
    ext = api.app.extensions
    ledger = next((r for r in ext["ledger"].usage() if r["client_id"] == client_id), {})
    token = ledger.get("token", {})
    uses = [u for u in ext["usage_detail"].uses() if u["client_id"] == client_id]
    return (
        (token.get("accepted", 0), token.get("refused", 0)),
        sum(u["count"] for u in uses),
        set(ext["usage_detail"].last_decisions().get(client_id, {})),
        (
            _prometheus(api, client_id, "token", "accepted"),
            _prometheus(api, client_id, "token", "refused"),
        ),
    )


def test_one_request_is_one_record_in_the_ledger_the_detail_and_prometheus(api):
    token = api.token(client_id="one-record")
    assert api.get("/inventory", token=token).status_code == 200
    assert _views(api, "one-record") == ((1, 0), 1, {"accepted"}, (1.0, 0.0))
    refused = api.post(
        "/inventory/WIDGET-1/reservations",
        {"order_id": "o", "quantity": 1},
        token=api.token(client_id="one-record", scope="inventory:read"),
    )
    assert refused.status_code == 403
    # A scope refusal is the caller's own: counted, but apart from the migration's refusals.
    assert _views(api, "one-record") == ((1, 1), 1, {"accepted"}, (1.0, 1.0))
    denial = api.app.extensions["usage_detail"].denials()["one-record"]["scope"]
    assert denial["count"] == 1 and denial["granted"] == "inventory:read"


def test_a_request_without_credentials_is_recorded_nowhere(api):
    before = api.app.extensions["ledger"].usage()
    assert api.get("/inventory").status_code == 401
    assert api.app.extensions["ledger"].usage() == before


def test_every_usage_count_of_a_process_shares_one_writer_thread(api):
    ext = api.app.extensions
    flusher = ext["ledger"].flusher
    assert ext["usage_detail"].flusher is flusher and ext["tool_ledger"].flusher is flusher
    for _ in range(3):
        api.get("/inventory", token=api.token())
    api.get("/inventory", key="ik_bad_key")
    writers = [t for t in threading.enumerate() if t is flusher._thread]
    assert len(writers) == 1 and writers[0].is_alive()
    assert ext["ledger"].usage() and ext["usage_detail"].uses()  # both written by it
