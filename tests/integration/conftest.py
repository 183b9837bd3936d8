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
