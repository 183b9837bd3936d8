"""Every service's log stays clean through start, a request and a graceful stop.

gunicorn's own lines print ``%(process)d``; a process that switches ``logProcesses`` off
turns each of them into a "--- Logging error ---" traceback, most visibly on shutdown.
"""

from __future__ import annotations

import subprocess
import sys

import requests


def test_no_service_writes_a_logging_error_from_start_to_stop(
    auth_server, inventory_factory, order_factory
):
    inventory = inventory_factory(auth_server)
    order = order_factory(inventory, ORDER_API_KEY=inventory.api_key("order-service"))
    assert requests.post(f"{order.url}/orders", json={"sku": "WIDGET-1", "quantity": 1}).ok
    for service in (order, inventory, auth_server):
        service.stop()
        log = service.log_path.read_text()
        assert "Worker exiting" in log or "Shutting down" in log, log[-2000:]
        assert "Logging error" not in log, log[-4000:]


def test_the_gunicorn_config_skips_the_caller_lookup_but_keeps_process_ids():
    probe = (
        "import logging, service_kit.gunicorn_hooks;"
        "print(logging._srcfile is None, logging.logThreads, logging.logProcesses)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "True"]


def test_creating_an_app_leaves_the_process_logging_switches_alone(tmp_path):
    probe = (
        "import logging, auth_server;"
        f"auth_server.create_app({{'issuer': 'http://127.0.0.1:1', 'data_dir': '{tmp_path}'}});"
        "print(logging._srcfile is None, logging.logProcesses)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
