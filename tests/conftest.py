from __future__ import annotations

import os

import pytest

from tests.support.postgres import PostgresServer, find_bin_dir

SERVICE_PREFIXES = ("AUTH_", "INVENTORY_", "ORDER_")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for ``make test``'s workers (pytest-xdist, ``--dist loadgroup``).

    A module runs on one worker, so its module-scoped fixtures (a stack, an AS) start once.
    The e2e modules share one compose stack (a session fixture): one group. Modules that use
    the checkout's own ports 9000-9004 and ``.demo``/``.bench`` (``make up``, the executed
    docs) name the group ``checkout`` themselves, so no two of them ever overlap. Runs before
    xdist's own hook, which reads the marks into the node ids.
    """
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        if "e2e" in item.path.relative_to(item.config.rootpath).parts:
            group = "e2e"
        else:
            group = item.module.__name__ if item.module else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


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
