"""A burst of wrong secrets against a two-worker AS, on real processes.

The attacker guesses order-service's secret from 127.0.0.1; the real order-service calls
from 127.0.0.2 (another loopback address) and from the attacker's own 127.0.0.1 throughout,
and must never be refused (the credentials are always checked).
"""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor

import requests
import urllib3

from .conftest import metric

BURST = 1000
THREADS = 8
LIMIT = 20  # the default AUTH_CLIENT_AUTH_FAILURE_LIMIT: 20/minute per peer and per client id


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_a_burst_of_wrong_secrets_is_throttled_logged_and_leaves_the_real_client_working(
    auth_server,
):
    secret = auth_server.create_client("order-service", "inventory:write")
    legit = urllib3.HTTPConnectionPool(
        "127.0.0.1", auth_server.port, source_address=("127.0.0.2", 0), maxsize=1
    )

    def legit_token() -> int:
        return legit.request(
            "POST",
            "/oauth/token",
            body="grant_type=client_credentials",
            headers={
                "Authorization": _basic("order-service", secret),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        ).status

    def guess(i: int) -> int:
        # A new connection per guess, so both workers take their share.
        return requests.post(
            f"{auth_server.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("order-service", f"guess-{i}"),
            timeout=10,
        ).status_code

    def token_from_the_attackers_address() -> int:
        return requests.post(
            f"{auth_server.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("order-service", secret),
            timeout=10,
        ).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        attempts = pool.map(guess, range(BURST))
        during = [legit_token() for _ in range(20)]
        during += [token_from_the_attackers_address() for _ in range(5)]
        codes = list(attempts)
    after = [legit_token() for _ in range(5)]

    assert set(during) == {200} and set(after) == {200}
    assert set(codes) == {401, 429}
    failures = codes.count(401)
    # The budget is shared by both workers; only requests already past the check when the
    # budget ran out can add to it (at most one per attacking thread).
    assert LIMIT <= failures <= LIMIT + THREADS, failures
    assert metric(auth_server.url, "auth_client_auth_failures_total") == failures
    assert metric(auth_server.url, "auth_client_auth_throttled_total") == BURST - failures

    log = auth_server.log_path.read_text()
    assert "client authentication failed client_id='order-service' reason=wrong secret" in log
    assert "peer=127.0.0.1" in log and "guess-" not in log and secret not in log

    # The 429 itself, as a guesser sees it; the right secret from the same address still works.
    resp = requests.post(
        f"{auth_server.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("order-service", "one-more-guess"),
        timeout=5,
    )
    assert resp.status_code == 429
    assert json.loads(resp.text)["error"] == "temporarily_unavailable"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert token_from_the_attackers_address() == 200
