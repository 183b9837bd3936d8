"""``create_app``: the logging it configures never carries a secret or a token."""

from __future__ import annotations

import logging

from .conftest import basic


def test_secrets_and_tokens_never_reach_the_log(http, clients, caplog):
    caplog.set_level(logging.DEBUG)
    client_id, secret = clients.create()
    token = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    access_token = token.get_json()["access_token"]
    http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(client_id, "wrong-secret"),
    )
    http.post("/oauth/revoke", data={"token": access_token}, headers=basic(client_id, secret))
    assert client_id in caplog.text  # the log does say who called
    for secret_value in (secret, "wrong-secret", access_token, access_token.split(".")[2]):
        assert secret_value not in caplog.text
