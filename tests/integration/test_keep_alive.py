"""Keep-alive stays alive: under a steady load of more keep-alive clients than threads, no
service answers ``Connection: close`` (each such answer costs the client a reconnect).

gthread closes a kept-alive connection once ``worker_connections - threads`` others sit idle in
its poller; the services' former cap of two connections per thread did that to 1-15 % of
requests (docs/performance.md, "Keep-alive").
"""

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.support.processes import Service

CLIENTS = 16  # as many as `make bench` keeps open: four per thread of each two-worker service
REQUESTS_PER_CLIENT = 40
#: A cheap GET per service. Not Inventory's /healthz: its readiness probe writes the database
#: (readiness.py), and 640 racing writes on a loaded machine rightly answer 503 "locked".
PATHS = {
    "auth_server": "/healthz",
    "inventory_service": "/.well-known/oauth-protected-resource",
    "order_service": "/healthz",
}


def test_no_service_closes_keep_alive_connections_under_steady_load(
    auth_server, inventory_factory, order_factory
):
    inventory = inventory_factory(auth_server)
    order = order_factory(inventory, ORDER_API_KEY=inventory.api_key("order-service"))
    for service in (auth_server, inventory, order):
        closes, reconnects = steady_keep_alive_load(service)
        assert (closes, reconnects) == (0, 0), service.package


def steady_keep_alive_load(service: Service) -> tuple[int, int]:
    """``CLIENTS`` keep-alive connections, all open at once, each sending its requests back
    to back; returns the responses that said ``Connection: close`` and the reconnects."""
    all_open = threading.Barrier(CLIENTS)

    def client(_: int) -> tuple[int, int]:
        conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
        conn.connect()
        first_socket = conn.sock
        all_open.wait(timeout=10)
        closed = 0
        for _ in range(REQUESTS_PER_CLIENT):
            conn.request("GET", PATHS[service.package])
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            closed += response.will_close  # http.client reconnects on the next request
        reconnected = conn.sock is not first_socket
        conn.close()
        return closed, reconnected

    with ThreadPoolExecutor(CLIENTS) as pool:  # map() re-raises a client's failure here
        results = list(pool.map(client, range(CLIENTS)))
    return sum(c for c, _ in results), sum(r for _, r in results)
