"""Failed client authentication is logged, counted and throttled per (client id, peer).

The attack these tests stand for: thousands of wrong secrets in a few seconds, each of
which must leave a log line and a metric, and none of which may lock the real client out.
"""

from __future__ import annotations

import logging

import pytest

from auth_server import create_app

from .conftest import Clients, basic

ATTACKER = {"REMOTE_ADDR": "10.0.0.66"}


LEGIT = {"REMOTE_ADDR": "10.0.0.2"}


def _token(http, client_id, secret, peer):
    return http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(client_id, secret),
        environ_base=peer,
    )


def _metric(http, name: str) -> float:
    total = 0.0
    for line in http.get("/metrics").get_data(as_text=True).splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("wrong-secret", "wrong secret"),
        ("unknown", "unknown or disabled client"),
        ("wrong-method", "client is registered for client_secret_post"),
    ],
)
def test_a_failed_client_authentication_is_logged_with_id_reason_and_peer(
    http, clients, caplog, who, reason
):
    method = "client_secret_post" if who == "wrong-method" else "client_secret_basic"
    client_id, secret = clients.create(auth_method=method)
    sent_id, sent_secret = {
        "wrong-secret": (client_id, "not-the-secret-" + "x" * 20),
        "unknown": ("nobody-at-all", "guess-" + "y" * 20),
        "wrong-method": (client_id, secret),
    }[who]
    before = _metric(http, "auth_client_auth_failures_total")
    with caplog.at_level(logging.INFO):
        resp = _token(http, sent_id, sent_secret, ATTACKER)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_client"
    assert (
        f"client authentication failed client_id='{sent_id}' reason={reason} "
        f"peer=10.0.0.66 endpoint=/oauth/token" in caplog.text
    )
    assert sent_secret not in caplog.text
    assert _metric(http, "auth_client_auth_failures_total") == before + 1
    labels = f'endpoint="auth.token",reason="{reason}"'
    assert _metric(http, f"auth_client_auth_failures_total{{{labels}}}") >= 1


def test_requests_without_credentials_and_with_a_malformed_header_are_logged(http, caplog):
    with caplog.at_level(logging.INFO):
        http.post("/oauth/token", data={"grant_type": "client_credentials"})
        http.post("/oauth/introspect", data={"token": "x"}, headers={"Authorization": "Basic !!!"})
    assert "reason=no client credentials peer=127.0.0.1 endpoint=/oauth/token" in caplog.text
    assert "reason=malformed Basic credentials" in caplog.text
    assert "endpoint=/oauth/introspect" in caplog.text


def test_repeated_failures_are_throttled_with_429_and_retry_after(settings, clients, caplog):
    app = create_app({**settings, "client_auth_failure_limit": "5/minute"})
    http = app.test_client()
    client_id, secret = Clients(app).create()
    codes = [_token(http, client_id, "wrong", ATTACKER).status_code for _ in range(7)]
    assert codes == [401] * 5 + [429] * 2

    resp = _token(http, client_id, secret, ATTACKER)  # even the right secret: not checked
    assert resp.status_code == 429
    assert resp.get_json() == {
        "error": "temporarily_unavailable",
        "error_description": "Too many failed client authentications; retry later.",
    }
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert resp.headers["Cache-Control"] == "no-store"
    assert "client authentication throttled client_id=" in caplog.text
    assert _metric(http, "auth_client_auth_throttled_total") == 3


def test_a_burst_of_1000_wrong_secrets_leaves_the_legitimate_client_working(http, clients):
    client_id, secret = clients.create()
    outcomes = {401: 0, 429: 0}
    for i in range(1000):
        outcomes[_token(http, client_id, f"guess-{i}", ATTACKER).status_code] += 1
        if i % 100 == 0:
            assert _token(http, client_id, secret, LEGIT).status_code == 200
    assert outcomes == {401: 20, 429: 980}  # AUTH_CLIENT_AUTH_FAILURE_LIMIT: 20/minute
    assert _token(http, client_id, secret, LEGIT).status_code == 200


def test_successes_do_not_use_up_the_failure_budget(settings):
    app = create_app({**settings, "client_auth_failure_limit": "3/minute"})
    http = app.test_client()
    client_id, secret = Clients(app).create()
    assert all(_token(http, client_id, secret, LEGIT).status_code == 200 for _ in range(10))
    assert [_token(http, client_id, "x", LEGIT).status_code for _ in range(4)] == [401] * 3 + [429]


def test_every_worker_shares_one_budget(settings):
    """Two apps on one data dir stand for two gunicorn workers."""
    first = create_app({**settings, "client_auth_failure_limit": "4/minute"})
    second = create_app({**settings, "client_auth_failure_limit": "4/minute"})
    client_id, _ = Clients(first).create()
    a, b = first.test_client(), second.test_client()
    codes = [_token(w, client_id, "x", ATTACKER).status_code for w in (a, b, a, b, a, b)]
    assert codes == [401, 401, 401, 401, 429, 429]


def test_the_introspection_and_revocation_endpoints_share_the_budget(settings, clients):
    app = create_app({**settings, "client_auth_failure_limit": "2/minute"})
    http = app.test_client()
    wrong = basic("someone", "wrong")
    post = {"data": {"token": "x"}, "headers": wrong, "environ_base": ATTACKER}
    assert http.post("/oauth/introspect", **post).status_code == 401
    assert http.post("/oauth/revoke", **post).status_code == 401
    assert http.post("/oauth/introspect", **post).status_code == 429
