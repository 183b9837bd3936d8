"""Every shared store against both engines, as two replicas of the service would open them.

The same behaviour is asked of SQLite in one data dir and of PostgreSQL through two separate
pools (``replicas`` gives two store sets on one database): stock never oversold, an order id
reserved once, a flip and a key change in force on the other replica at once.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from inventory_service.api.stock import (
    OrderIdReused,
    OutOfStock,
    ReservationReleased,
    UnknownSku,
)
from inventory_service.db import Database
from inventory_service.resource_server.modes import AuthMode
from inventory_service.stores import SharedStores, open_stores
from service_kit.database_settings import DatabaseSettings
from service_kit.postgres import PostgresDatabase


@pytest.fixture(params=["sqlite", "postgres"])
def replicas(request, tmp_path) -> Iterator[tuple[SharedStores, SharedStores]]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    database = DatabaseSettings(url, pool_size=8)
    pair = tuple(
        open_stores(
            database, Database(tmp_path / f"{name}.db" if url else tmp_path / "db"), AuthMode.DUAL
        )
        for name in ("a", "b")
    )
    yield pair
    for stores in pair:  # each PostgreSQL replica's pool; left to the collector, it warns
        if isinstance(stores.db, PostgresDatabase):
            stores.db.close()


def _order() -> str:
    return f"order-{uuid.uuid4().hex[:8]}"


def test_racing_reservations_on_two_replicas_sell_exactly_the_stock(replicas):
    a, b = replicas
    a.stock.set("RACE-1", 25)
    sold, refused = [], []

    def reserve(store: SharedStores) -> None:
        for _ in range(5):
            try:
                store.stock.reserve("order-service", _order(), "RACE-1", 1)
                sold.append(1)
            except OutOfStock:
                refused.append(1)

    threads = [threading.Thread(target=reserve, args=(s,)) for s in (a, b) * 10]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(sold), len(refused)) == (25, 75)
    assert b.stock.get("RACE-1")["quantity"] == 0


def test_an_order_id_retried_on_the_other_replica_is_reserved_once(replicas):
    a, b = replicas
    a.stock.set("ONCE-1", 10)
    order = _order()
    assert a.stock.reserve("order-service", order, "ONCE-1", 3).created
    assert not b.stock.reserve("order-service", order, "ONCE-1", 3).created
    assert a.stock.get("ONCE-1")["quantity"] == 7
    with pytest.raises(OrderIdReused):
        b.stock.reserve("order-service", order, "ONCE-1", 4)


def test_one_order_id_racing_on_both_replicas_takes_stock_once(replicas):
    a, b = replicas
    a.stock.set("ONCE-2", 10)
    order = _order()
    threads = [
        threading.Thread(target=s.stock.reserve, args=("order-service", order, "ONCE-2", 2))
        for s in (a, b) * 4
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert b.stock.get("ONCE-2")["quantity"] == 8


def test_a_release_on_one_replica_fences_the_order_id_on_the_other(replicas):
    a, b = replicas
    a.stock.set("FENCE-1", 5)
    order = _order()
    a.stock.reserve("order-service", order, "FENCE-1", 2)
    assert a.stock.release("order-service", order, "FENCE-1") == 2
    assert b.stock.release("order-service", order, "FENCE-1") == 0
    with pytest.raises(ReservationReleased):
        b.stock.reserve("order-service", order, "FENCE-1", 2)
    assert b.stock.get("FENCE-1")["quantity"] == 5


def test_unknown_skus_and_short_stock_are_refused_without_a_change(replicas):
    a, _ = replicas
    with pytest.raises(UnknownSku):
        a.stock.reserve("order-service", _order(), "NO-SUCH-SKU", 1)
    a.stock.set("SHORT-1", 1)
    with pytest.raises(OutOfStock) as refused:
        a.stock.reserve("order-service", _order(), "SHORT-1", 2)
    assert refused.value.available == 1
    with pytest.raises(ValueError):
        a.stock.set("SHORT-1", -1)


def test_a_fresh_database_starts_with_the_demo_stock(replicas):
    a, _ = replicas
    assert {row["sku"] for row in a.stock.all()} >= {"WIDGET-1", "GADGET-2", "GIZMO-3"}


def test_a_flip_on_one_replica_is_in_force_on_the_other_when_it_returns(replicas):
    a, b = replicas
    assert b.modes.global_mode() is AuthMode.DUAL
    a.modes.set_global(AuthMode.TOKEN_ONLY)
    assert b.modes.global_mode() is AuthMode.TOKEN_ONLY
    a.modes.set_client("reporting-job", AuthMode.DUAL)
    assert b.modes.for_client("reporting-job")[0] is AuthMode.DUAL
    assert b.modes.overrides() == {"reporting-job": AuthMode.DUAL}
    a.modes.set_client("reporting-job", None)
    assert b.modes.for_client("reporting-job")[0] is AuthMode.TOKEN_ONLY


def test_the_start_mode_never_overrides_a_runtime_flip(replicas, tmp_path):
    a, _ = replicas
    a.modes.set_global(AuthMode.TOKEN_ONLY)
    database = DatabaseSettings(getattr(a.stock.db, "url", None))
    again = open_stores(database, Database(tmp_path / "db"), AuthMode.API_KEY)
    assert again.modes.global_mode() is AuthMode.TOKEN_ONLY


def test_an_unknown_mode_is_refused(replicas):
    a, _ = replicas
    with pytest.raises(ValueError, match="mode must be one of"):
        a.modes.set_global("open")


def test_a_key_created_or_revoked_on_one_replica_is_in_force_on_the_other(replicas):
    a, b = replicas
    made, key = a.api_keys.create("reporting-job", ["inventory:read"])
    verified = b.api_keys.verify(key)
    assert verified is not None
    assert (verified.client_id, verified.scopes) == ("reporting-job", {"inventory:read"})
    assert [k["key_id"] for k in b.api_keys.list()] == [made.key_id]
    assert a.api_keys.revoke(made.key_id)
    assert b.api_keys.verify(key) is None
    assert not b.api_keys.revoke("no-such-key")


@pytest.mark.parametrize(
    "key", ["", "ik_", "ik_x_y", "ik_\x00_y", "é" * 10, "ik_" + "a" * 200, "Bearer x"]
)
def test_malformed_or_unknown_keys_are_refused(replicas, key):
    a, _ = replicas
    assert a.api_keys.verify(key) is None


def test_a_key_needs_a_client_id_and_a_scope(replicas):
    a, _ = replicas
    with pytest.raises(ValueError):
        a.api_keys.create("two words", ["inventory:read"])
    with pytest.raises(ValueError):
        a.api_keys.create("reporting-job", [])
