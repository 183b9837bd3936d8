"""Two gunicorn masters on one data dir: the second's start leaves the first's metrics and
readiness markers alone."""

from __future__ import annotations

import requests

from tests.support.processes import wait_until

from .conftest import metric


def test_a_second_master_on_the_same_data_dir_keeps_the_first_ones_counters(
    auth_server, inventory_factory, tmp_path
):
    shared = {"INVENTORY_DATA_DIR": str(tmp_path / "inventory")}
    first = inventory_factory(auth_server, **shared)
    key = first.api_key("reporting-job")
    for _ in range(30):
        assert (
            requests.get(
                f"{first.url}/inventory", headers={"X-API-Key": key}, timeout=5
            ).status_code
            == 200
        )
    name = 'inventory_auth_requests_total{client_id="reporting-job"'
    assert metric(first.url, name) == 30

    second = inventory_factory(auth_server, **shared)
    assert metric(first.url, name) == 30
    assert metric(second.url, name) == 0  # each master sums its own workers
    markers = tmp_path / "inventory" / "workers"  # each master's workers mark themselves ready
    wait_until(lambda: len(list(markers.iterdir())) == 4, what="4 readiness markers")
