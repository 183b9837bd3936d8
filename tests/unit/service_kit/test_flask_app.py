"""The Flask app every service starts from (``service_kit/flask_app.py``): its body cap,
and Authlib never logging at DEBUG, where it prints whole tokens."""

from __future__ import annotations

import logging

import pytest
from flask import request

import auth_server
import inventory_service
import order_service
from service_kit.edge import EdgeSettings
from service_kit.flask_app import new_app

AUTH = {"issuer": "http://127.0.0.1:9000"}
INVENTORY = {"issuer": "http://127.0.0.1:9000", "resource": "http://127.0.0.1:9001"}
ORDER = {"inventory_url": "http://127.0.0.1:1", "auth": "api_key", "api_key": "ik_a_b"}


@pytest.fixture
def authlib_at_debug():
    """Authlib's logger as a careless embedding leaves it: at DEBUG."""
    logger = logging.getLogger("authlib")
    before = logger.level
    logger.setLevel(logging.DEBUG)
    yield logger
    logger.setLevel(before)


def test_a_body_over_the_cap_is_refused_before_a_view_reads_it():
    app = new_app(__name__, log_level="INFO", max_body=16, edge_settings=EdgeSettings())
    seen: list[int] = []

    @app.post("/echo")
    def echo():
        seen.append(len(request.get_data()))
        return "ok"

    http = app.test_client()
    assert http.post("/echo", data=b"x" * 16).status_code == 200
    assert http.post("/echo", data=b"x" * 17).status_code == 413
    assert seen == [16]


def test_the_app_answers_only_for_its_hosts():
    app = new_app(__name__, log_level="INFO", max_body=16, edge_settings=EdgeSettings())
    app.get("/")(lambda: "ok")
    http = app.test_client()
    assert http.get("/", base_url="http://localhost:9000").status_code == 200
    assert http.get("/", base_url="http://rebind.evil.example:9000").status_code == 421


@pytest.mark.parametrize(
    ("name", "build", "cap"),
    [
        ("auth", lambda d: auth_server.create_app({**AUTH, "data_dir": d}), 1024 * 1024),
        (
            "inventory",
            lambda d: inventory_service.create_app({**INVENTORY, "data_dir": d}),
            64 * 1024,
        ),
        (
            "order",
            lambda d: order_service.create_app({**ORDER, "data_dir": d, "reconcile_interval": 0}),
            64 * 1024,
        ),
    ],
)
def test_every_service_is_built_on_it(name, build, cap, tmp_path, authlib_at_debug):
    app = build(str(tmp_path / name))
    assert app.config["MAX_CONTENT_LENGTH"] == cap
    assert authlib_at_debug.level == logging.INFO
