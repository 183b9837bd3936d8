"""Failed client authentication is logged, counted and throttled; the owner never is.

The attack these tests stand for: thousands of wrong secrets in a few seconds, each of
which must leave a metric (and, until the budget is spent, a log line), and none of which
may lock the real client out — from the attacker's address, from the proxy's, from anywhere.
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


def test_repeated_failures_are_throttled_with_429_and_retry_after(settings, caplog):
    app = create_app({**settings, "client_auth_failure_limit": "5/minute"})
    http = app.test_client()
    client_id, _ = Clients(app).create()
    before = _metric(http, "auth_client_auth_throttled_total")
    with caplog.at_level(logging.INFO):
        codes = [_token(http, client_id, "wrong", ATTACKER).status_code for _ in range(7)]
    assert codes == [401] * 5 + [429] * 2

    resp = _token(http, client_id, "wrong", ATTACKER)
    assert resp.status_code == 429
    assert resp.get_json() == {
        "error": "temporarily_unavailable",
        "error_description": "Too many failed client authentications; retry later.",
    }
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert resp.headers["Cache-Control"] == "no-store"
    assert caplog.text.count("client authentication failed") == 5  # no line per 429
    assert "client authentication budget spent for 'peer|10.0.0.66'" in caplog.text
    assert _metric(http, "auth_client_auth_throttled_total") == before + 3


def test_the_right_secret_is_accepted_from_the_attackers_own_address(settings):
    """The local stack: every caller is 127.0.0.1, the attacker and the real client alike."""
    app = create_app({**settings, "client_auth_failure_limit": "5/minute"})
    http = app.test_client()
    client_id, secret = Clients(app).create()
    assert {_token(http, client_id, "wrong", ATTACKER).status_code for _ in range(50)} == {
        401,
        429,
    }
    assert _token(http, client_id, secret, ATTACKER).status_code == 200
    assert _token(http, client_id, "wrong", ATTACKER).status_code == 429


def test_a_burst_of_1000_wrong_secrets_leaves_the_legitimate_client_working(http, clients):
    client_id, secret = clients.create()
    outcomes = {401: 0, 429: 0}
    for i in range(1000):
        outcomes[_token(http, client_id, f"guess-{i}", ATTACKER).status_code] += 1
        if i % 100 == 0:
            assert _token(http, client_id, secret, LEGIT).status_code == 200
    assert outcomes == {401: 20, 429: 980}  # AUTH_CLIENT_AUTH_FAILURE_LIMIT: 20/minute
    assert _token(http, client_id, secret, LEGIT).status_code == 200


PROXY = {"REMOTE_ADDR": "172.18.0.5"}  # the compose nginx


def test_a_flood_through_the_proxy_and_from_another_peer_leaves_the_real_client_working(
    settings,
):
    app = create_app({**settings, "trusted_proxies": "1"})
    http = app.test_client()
    client_id, secret = Clients(app).create()

    def via_proxy(secret_sent: str, client_address: str):
        return http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={**basic(client_id, secret_sent), "X-Forwarded-For": client_address},
            environ_base=PROXY,
        )

    codes = [via_proxy(f"guess-{i}", "203.0.113.9").status_code for i in range(100)]
    codes += [_token(http, client_id, f"guess-{i}", ATTACKER).status_code for i in range(100)]
    assert codes.count(401) == 20 and codes.count(429) == 180  # the client id's budget
    assert via_proxy(secret, "198.51.100.7").status_code == 200
    assert via_proxy(secret, "203.0.113.9").status_code == 200  # even from the attacker's
    assert _token(http, client_id, secret, PROXY).status_code == 200


def test_the_peer_behind_the_proxy_is_the_forwarded_address(settings, caplog):
    app = create_app({**settings, "trusted_proxies": "1"})
    with caplog.at_level(logging.INFO):
        app.test_client().post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={**basic("someone", "wrong"), "X-Forwarded-For": "1.2.3.4, 203.0.113.9"},
            environ_base=PROXY,
        )
    assert "peer=203.0.113.9 endpoint=/oauth/token" in caplog.text  # the last hop's view


def test_x_forwarded_for_is_ignored_when_no_proxy_is_configured(settings):
    app = create_app({**settings, "client_auth_failure_limit": "3/minute"})
    http = app.test_client()
    codes = [
        http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={**basic(f"id-{i}", "wrong"), "X-Forwarded-For": f"10.9.0.{i}"},
            environ_base=ATTACKER,
        ).status_code
        for i in range(5)
    ]
    assert codes == [401] * 3 + [429] * 2  # one peer, however it names itself


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
