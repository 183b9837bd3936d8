"""One audit line per issued token survives the logging diet (issue 13 item 3).

``create_app`` turns off what the log format never prints (caller, thread and process
lookups); the line itself — time, level, logger, client id and audience — stays.
"""

from __future__ import annotations

import logging

from .conftest import RESOURCE, token_request


def test_every_issued_token_leaves_one_audit_line(http, clients, caplog):
    client_id, secret = clients.create()
    with caplog.at_level(logging.INFO, logger="auth_server"):
        for _ in range(3):
            assert token_request(http, client_id, secret).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("token issued")]
    assert lines == [f"token issued client_id={client_id} aud={RESOURCE}"] * 3


def test_the_audit_line_keeps_its_time_level_and_logger(http, clients, caplog):
    client_id, secret = clients.create()
    with caplog.at_level(logging.INFO, logger="auth_server"):
        assert token_request(http, client_id, secret).status_code == 200
    record = next(r for r in caplog.records if r.getMessage().startswith("token issued"))
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    line = formatter.format(record)
    assert line.endswith(
        f" INFO auth_server.oauth2 token issued client_id={client_id} aud={RESOURCE}"
    )
    assert line[:4].isdigit()  # starts with the date
