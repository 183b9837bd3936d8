from __future__ import annotations

import os

import pytest

SERVICE_PREFIXES = ("AUTH_", "INVENTORY_", "ORDER_")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    """Tests configure services explicitly; a developer's exported AUTH_* must not leak in."""
    for name in list(os.environ):
        if name.startswith(SERVICE_PREFIXES) or name == "PROMETHEUS_MULTIPROC_DIR":
            monkeypatch.delenv(name)
