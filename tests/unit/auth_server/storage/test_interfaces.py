"""Each storage implementation offers every method of its Protocol, with the same parameters.

The Protocols are the seam a second backend plugs into; this keeps the one implementation
of each honest about it.
"""

from __future__ import annotations

import inspect

import pytest

from auth_server.storage import interfaces
from auth_server.storage.pem_keys import PemKeyStore
from auth_server.storage.postgres import PostgresStore
from auth_server.storage.postgres_budget import PostgresFailureBudget
from auth_server.storage.postgres_keys import PostgresKeyStore
from auth_server.storage.sqlite import SqliteStore
from auth_server.storage.throttle import FixedWindowBudget

IMPLEMENTATIONS = [
    (interfaces.ClientStore, SqliteStore),
    (interfaces.TokenRevocations, SqliteStore),
    (interfaces.SpentAssertions, SqliteStore),
    (interfaces.SigningKeys, PemKeyStore),
    (interfaces.FailureBudget, FixedWindowBudget),
    (interfaces.ClientStore, PostgresStore),
    (interfaces.TokenRevocations, PostgresStore),
    (interfaces.SpentAssertions, PostgresStore),
    (interfaces.SigningKeys, PostgresKeyStore),
    (interfaces.FailureBudget, PostgresFailureBudget),
]


def _methods(cls: type) -> dict[str, list[str]]:
    return {
        name: list(inspect.signature(member).parameters)
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


@pytest.mark.parametrize(("protocol", "implementation"), IMPLEMENTATIONS, ids=lambda c: c.__name__)
def test_the_implementation_has_every_method_of_its_protocol(protocol, implementation):
    wanted = _methods(protocol)
    assert wanted, f"{protocol.__name__} declares no methods"
    for name, parameters in wanted.items():
        method = getattr(implementation, name, None)
        assert callable(method), f"{implementation.__name__} lacks {name}"
        assert list(inspect.signature(method).parameters) == parameters, name


def test_every_table_is_in_the_one_schema(tmp_path):
    store = SqliteStore(tmp_path / "auth.db")
    tables = {
        row[0]
        for row in store.connection().execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert tables == {
        "clients",
        "spent_assertions",
        "revoked_tokens",
        "client_revocations",
        "throttle",
    }
