from __future__ import annotations

import os

import pytest

from tests.support.postgres import PostgresServer, find_bin_dir
from tests.support.workers import ByUnitOfWork

SERVICE_PREFIXES = ("AUTH_", "INVENTORY_", "ORDER_")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``make test`` runs on four workers; what may run side by side: tests/support/workers.py."""
    return ByUnitOfWork(config, log)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    """Tests configure services explicitly; a developer's exported AUTH_* must not leak in."""
    for name in list(os.environ):
        if name.startswith(SERVICE_PREFIXES) or name == "PROMETHEUS_MULTIPROC_DIR":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def postgres_server():
    """Debian's PostgreSQL on a private socket for the session; a skip where it is missing
    (a failure with ``REQUIRE_POSTGRES=1``, as in CI)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(bin_dir)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the session's server."""
    return postgres_server.new_database()
