"""Order's outbound calls: a 401 drops the token and retries exactly once."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from order_service.inventory_client import InventoryClient, InventoryError
from order_service.token_cache import TokenCache


class ScriptedInventory:
    """An HTTP endpoint answering a scripted list of statuses, recording what it got."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.seen = []
        inventory = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                inventory.seen.append(
                    (self.headers.get("Authorization"), json.loads(self.rfile.read(length)))
                )
                status = inventory.statuses.pop(0) if inventory.statuses else 201
                body = json.dumps({"detail": "scripted"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fetcher():
    count = {"n": 0}

    def fetch():
        count["n"] += 1
        return f"token-{count['n']}", 300

    fetch.count = count
    return fetch


def client_for(inventory, fetcher):
    return InventoryClient(inventory.url, "oauth", tokens=TokenCache(fetcher))


def test_a_401_fetches_a_new_token_and_retries_once(fetcher):
    inventory = ScriptedInventory([401, 201])
    try:
        client_for(inventory, fetcher).reserve("ord-1", "WIDGET-1", 1)
        assert [auth for auth, _ in inventory.seen] == ["Bearer token-1", "Bearer token-2"]
        assert [body["order_id"] for _, body in inventory.seen] == ["ord-1", "ord-1"]
    finally:
        inventory.close()


def test_a_second_401_is_not_retried_again(fetcher):
    inventory = ScriptedInventory([401, 401, 201])
    try:
        with pytest.raises(InventoryError) as err:
            client_for(inventory, fetcher).reserve("ord-2", "WIDGET-1", 1)
        assert err.value.status == 502 and err.value.upstream_status == 401
        assert len(inventory.seen) == 2
        assert fetcher.count["n"] == 2
    finally:
        inventory.close()


def test_an_api_key_client_sends_the_key_and_does_not_retry_a_401():
    inventory = ScriptedInventory([401])
    try:
        with pytest.raises(InventoryError):
            InventoryClient(inventory.url, "api_key", api_key="ik_x_y").reserve(
                "ord-3", "WIDGET-1", 1
            )
        assert len(inventory.seen) == 1
    finally:
        inventory.close()


@pytest.mark.parametrize("status, mapped", [(409, 409), (404, 422), (403, 502), (500, 502)])
def test_inventory_refusals_map_to_clear_statuses(fetcher, status, mapped):
    inventory = ScriptedInventory([status])
    try:
        with pytest.raises(InventoryError) as err:
            client_for(inventory, fetcher).reserve("ord-4", "WIDGET-1", 1)
        assert err.value.status == mapped
    finally:
        inventory.close()


def test_unreachable_inventory_is_503(fetcher):
    client = InventoryClient("http://127.0.0.1:9", "oauth", tokens=TokenCache(fetcher), timeout=1)
    with pytest.raises(InventoryError) as err:
        client.reserve("ord-5", "WIDGET-1", 1)
    assert err.value.status == 503


def test_a_refusing_authorization_server_is_token_refused_not_a_crash():
    """Authlib's requests client raises its own OAuthError for an RFC 6749 error body."""
    from order_service.config import OAuthSettings
    from order_service.oauth_client import ClientCredentials
    from order_service.token_cache import TokenRefused
    from tests.support.issuer import TestIssuer

    issuer = TestIssuer()  # its token endpoint answers 401 invalid_client
    try:
        creds = ClientCredentials(
            OAuthSettings(issuer.issuer, "c", "http://inv", "inventory:write", client_secret="s")
        )
        with pytest.raises(TokenRefused, match="invalid_client"):
            creds.fetch()
    finally:
        issuer.close()
