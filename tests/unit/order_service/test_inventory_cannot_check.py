"""Inventory's 503 ("cannot check your token now") keeps Order's token; only a 401 drops it."""

from __future__ import annotations

import pytest

from order_service.inventory_client import InventoryClient, InventoryError
from order_service.token_cache import TokenCache
from tests.support.fake_inventory import FakeInventory


@pytest.fixture
def inventory():
    fake = FakeInventory()
    yield fake
    fake.close()


def test_a_503_keeps_the_token_and_passes_retry_after_on(inventory):
    fetches = []

    def fetch():
        fetches.append(1)
        return f"token-{len(fetches)}", 300

    client = InventoryClient(inventory.url, "oauth", tokens=TokenCache(fetch))
    inventory.faults = ["503"]
    with pytest.raises(InventoryError) as err:
        client.reserve("ord-503", "WIDGET-1", 1)
    assert err.value.status == 503
    assert err.value.title == "Inventory cannot check our credentials now"
    assert err.value.retry_after == "3"
    assert not err.value.refused  # the intent stays pending: nothing is known to be reserved
    client.reserve("ord-503", "WIDGET-1", 1)
    assert len(fetches) == 1  # the same token served the retry
    assert inventory.calls == [("reserve", "ord-503"), ("reserve", "ord-503")]
