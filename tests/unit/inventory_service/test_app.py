"""The app factory's request log: who and how, never the credential."""

from __future__ import annotations

import logging


def test_request_log_names_the_client_and_method_but_never_the_credential(api, caplog):
    caplog.set_level(logging.INFO)
    key, token = api.api_key("logged-client"), api.token(client_id="token-client")
    api.get("/inventory", key=key)
    api.get("/inventory", token=token)
    assert '"client_id": "logged-client", "auth": "api_key"' in caplog.text
    assert '"client_id": "token-client", "auth": "token"' in caplog.text
    assert (
        key not in caplog.text
        and token not in caplog.text
        and token.split(".")[2] not in caplog.text
    )
