from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest
import requests

from tests.support.balancer import RoundRobinBalancer
from tests.support.processes import Service, free_port, run_cli

RESOURCE = "http://inventory.test"


class AuthServer(Service):
    def create_client(
        self, client_id: str, scope: str, resource: str = RESOURCE, *extra: str
    ) -> str:
        out = self.cli(
            "clients", "create", client_id, "--scope", scope, "--resource", resource, *extra
        )
        return json.loads(out)["client_secret"]

    def cli(self, *args: str) -> str:
        return run_cli("auth_server", self.env, *args).stdout


class Inventory(Service):
    def api_key(self, client_id: str, scope: str = "inventory:read inventory:write") -> str:
        return json.loads(self.cli("api-keys", "create", client_id, "--scope", scope))["api_key"]

    def cli(self, *args: str) -> str:
        return run_cli("inventory_service", self.env, *args).stdout


@pytest.fixture
def _services(tmp_path):
    """Start ``python -m <package>`` on a free port with its own data dir; stop them all after.

    ``env`` is a function of the chosen port, since the AS's issuer must name it.
    """
    started: list[Service] = []

    def start(
        cls: type[Service], package: str, prefix: str, env: Callable[[int], dict[str, str]]
    ) -> Service:
        port = free_port()
        base = {
            f"{prefix}_PORT": str(port),
            f"{prefix}_DATA_DIR": str(tmp_path / f"{package}-{port}"),
        }
        service = cls(package, {**base, **env(port)}, port, tmp_path / f"{package}-{port}.log")
        started.append(service)
        return service.start()

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def auth_server_factory(_services):
    def start(workers: int = 2, **env: str) -> AuthServer:
        return _services(
            AuthServer,
            "auth_server",
            "AUTH",
            lambda port: {
                "AUTH_ISSUER": f"http://127.0.0.1:{port}",
                "AUTH_WORKERS": str(workers),
                **env,
            },
        )

    return start


@pytest.fixture
def auth_server(auth_server_factory) -> AuthServer:
    return auth_server_factory()


@pytest.fixture
def inventory_factory(_services):
    def start(auth: AuthServer, workers: int = 2, **env: str) -> Inventory:
        # Inventory's own client at the AS, for introspecting admin tokens.
        client_id = f"inventory-{uuid.uuid4().hex[:8]}"
        defaults = {
            "INVENTORY_ISSUER": auth.env["AUTH_ISSUER"],
            "INVENTORY_RESOURCE": RESOURCE,
            "INVENTORY_WORKERS": str(workers),
            "INVENTORY_AUTH_MODE": "dual",
            "INVENTORY_CLIENT_ID": client_id,
            "INVENTORY_CLIENT_SECRET": auth.create_client(client_id, "inventory:read"),
        }
        return _services(Inventory, "inventory_service", "INVENTORY", lambda _: {**defaults, **env})

    return start


@pytest.fixture
def inventory_replicas(auth_server, inventory_factory, postgres_url):
    """Two Inventory replicas, each with its own data dir (as on two hosts), on one
    PostgreSQL database, behind a round-robin TCP balancer."""
    shared = {"INVENTORY_DATABASE_URL": postgres_url, "INVENTORY_DATABASE_POOL_SIZE": "4"}
    pair = [inventory_factory(auth_server, **shared) for _ in range(2)]
    balancer = RoundRobinBalancer([("127.0.0.1", r.port) for r in pair])
    yield pair, balancer
    balancer.close()


@pytest.fixture
def order_factory(_services):
    def start(inventory: Inventory, workers: int = 2, **env: str) -> Service:
        defaults = {"ORDER_INVENTORY_URL": inventory.url, "ORDER_WORKERS": str(workers)}
        return _services(Service, "order_service", "ORDER", lambda _: {**defaults, **env})

    return start


def client_token(auth: AuthServer, client_id: str, secret: str, scope: str | None = None) -> str:
    from authlib.integrations.requests_client import OAuth2Session

    session = OAuth2Session(client_id, secret, scope=scope)
    return session.fetch_token(f"{auth.url}/oauth/token", grant_type="client_credentials")[
        "access_token"
    ]


def oauth_env(
    auth: AuthServer, client_id: str, secret: str, scope: str = "inventory:write"
) -> dict[str, str]:
    return {
        "ORDER_AUTH": "oauth",
        "ORDER_ISSUER": auth.env["AUTH_ISSUER"],
        "ORDER_CLIENT_ID": client_id,
        "ORDER_CLIENT_SECRET": secret,
        "ORDER_RESOURCE": RESOURCE,
        "ORDER_SCOPE": scope,
    }


def metric(url: str, name: str) -> float:
    """Sum of the Prometheus samples whose line starts with ``name``."""
    total = 0.0
    for line in requests.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total
