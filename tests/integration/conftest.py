from __future__ import annotations

import json

import pytest

from tests.support.processes import Service, free_port, run_cli

RESOURCE = "http://inventory.test"


class AuthServer(Service):
    def create_client(
        self, client_id: str, scope: str, resource: str = RESOURCE, *extra: str
    ) -> str:
        out = run_cli(
            "auth_server",
            self.env,
            "clients",
            "create",
            client_id,
            "--scope",
            scope,
            "--resource",
            resource,
            *extra,
        )
        return json.loads(out.stdout)["client_secret"]

    def cli(self, *args: str) -> str:
        return run_cli("auth_server", self.env, *args).stdout


@pytest.fixture
def auth_server_factory(tmp_path):
    started: list[Service] = []

    def start(workers: int = 2, **env: str) -> AuthServer:
        port = free_port()
        data = tmp_path / f"auth-{port}"
        service = AuthServer(
            "auth_server",
            {
                "AUTH_ISSUER": f"http://127.0.0.1:{port}",
                "AUTH_PORT": str(port),
                "AUTH_DATA_DIR": str(data),
                "AUTH_WORKERS": str(workers),
                **env,
            },
            port,
            tmp_path / f"auth-{port}.log",
        )
        started.append(service)
        return service.start()

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def auth_server(auth_server_factory) -> AuthServer:
    return auth_server_factory()


class Inventory(Service):
    def api_key(self, client_id: str, scope: str = "inventory:read inventory:write") -> str:
        out = run_cli(
            "inventory_service", self.env, "api-keys", "create", client_id, "--scope", scope
        )
        return json.loads(out.stdout)["api_key"]

    def cli(self, *args: str) -> str:
        return run_cli("inventory_service", self.env, *args).stdout


@pytest.fixture
def inventory_factory(tmp_path):
    started: list[Service] = []

    def start(auth: AuthServer, workers: int = 2, **env: str) -> Inventory:
        port = free_port()
        service = Inventory(
            "inventory_service",
            {
                "INVENTORY_ISSUER": auth.env["AUTH_ISSUER"],
                "INVENTORY_RESOURCE": RESOURCE,
                "INVENTORY_PORT": str(port),
                "INVENTORY_DATA_DIR": str(tmp_path / f"inventory-{port}"),
                "INVENTORY_WORKERS": str(workers),
                "INVENTORY_AUTH_MODE": "dual",
                **env,
            },
            port,
            tmp_path / f"inventory-{port}.log",
        )
        started.append(service)
        return service.start()

    yield start
    for service in started:
        service.stop()


def client_token(auth: AuthServer, client_id: str, secret: str, scope: str | None = None) -> str:
    from authlib.integrations.requests_client import OAuth2Session

    session = OAuth2Session(client_id, secret, scope=scope)
    return session.fetch_token(f"{auth.url}/oauth/token", grant_type="client_credentials")[
        "access_token"
    ]


@pytest.fixture
def order_factory(tmp_path):
    started: list[Service] = []

    def start(inventory: Inventory, workers: int = 2, **env: str) -> Service:
        port = free_port()
        service = Service(
            "order_service",
            {
                "ORDER_INVENTORY_URL": inventory.url,
                "ORDER_PORT": str(port),
                "ORDER_DATA_DIR": str(tmp_path / f"order-{port}"),
                "ORDER_WORKERS": str(workers),
                **env,
            },
            port,
            tmp_path / f"order-{port}.log",
        )
        started.append(service)
        return service.start()

    yield start
    for service in started:
        service.stop()


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
    """Sum of a Prometheus series (all label sets matching ``name``'s prefix)."""
    import requests

    total = 0.0
    for line in requests.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total
