"""One compose stack for the e2e session, on the real docker-compose.yml.

Without a Docker engine the e2e tests skip with a one-line reason, unless REQUIRE_DOCKER=1
(CI), which turns that into a failure. Container logs are attached to failing tests.

Every call goes over HTTPS through the stack's proxy, trusting the stack's own private CA
(copied out of its ``tls`` volume) through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ISSUER = "https://auth.localhost:8443"
RESOURCE = "https://inventory.localhost:8444"
#: The proxy's TLS port for each service (proxy/services/*.conf).
PROXY_PORTS = {"auth": 8443, "inventory": 8444, "order": 8445, "mcp": 8446}


def _docker_problem() -> str | None:
    if not shutil.which("docker"):
        return "no docker CLI on PATH"
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        return "docker compose v2 is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True)
    if info.returncode != 0:
        return "no Docker engine is running"
    return None


class Stack:
    """HTTP details and compose commands kept out of the test bodies."""

    def __init__(self, compose, env_file: Path) -> None:
        self.compose = compose
        self.env_file = env_file
        self.urls = {}
        self.ports = {}
        for service, port in PROXY_PORTS.items():
            host, published = compose.get_service_host_and_port("proxy", port)
            self.ports[service] = int(published)
            self.urls[service] = (
                f"https://{'127.0.0.1' if host in (None, '0.0.0.0') else host}:{published}"
            )
        out = self.run_compose(
            "run", "--rm", "--no-deps", "-T", "bootstrap", "cat", "/secrets/demo/credentials.json"
        )
        self.creds = json.loads(out)

    def run_compose(self, *args: str, env: dict[str, str] | None = None) -> str:
        cmd = [*self.compose.compose_command_property, *args]
        result = subprocess.run(
            cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stderr[-2000:]}"
        return result.stdout

    def refresh_ports(self) -> None:
        """A recreated or restarted container may be published on a new host port."""
        self.__init__(self.compose, self.env_file)

    def set_order_auth(self, mode: str) -> None:
        self.run_compose("up", "-d", "--wait", "--no-deps", "order", env={"ORDER_AUTH": mode})
        self.refresh_ports()

    def token(self, client_id: str, scope: str | None = None) -> str:
        data = {"grant_type": "client_credentials", "resource": RESOURCE}
        if scope:
            data["scope"] = scope
        resp = requests.post(
            f"{self.urls['auth']}/oauth/token",
            data=data,
            auth=(client_id, self.creds["client_secrets"][client_id]),
            timeout=10,
        )
        assert resp.status_code == 200, resp.text
        return resp.json()["access_token"]

    def key(self, client_id: str) -> dict[str, str]:
        return {"X-API-Key": self.creds["api_keys"][client_id]}

    def bearer(self, client_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(client_id)}"}

    def inventory(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.urls['inventory']}{path}", timeout=10, **kwargs)

    def order(self, sku: str = "WIDGET-1", quantity: int = 1) -> requests.Response:
        return requests.post(
            f"{self.urls['order']}/orders", json={"sku": sku, "quantity": quantity}, timeout=10
        )

    def set_mode(self, mode: str | None, client_id: str | None = None) -> None:
        path = f"/admin/clients/{client_id}/auth-mode" if client_id else "/admin/auth-mode"
        resp = self.inventory(
            "PUT", path, json={"mode": mode}, headers=self.bearer("platform-admin")
        )
        assert resp.status_code == 200, resp.text

    def started_at(self, service: str) -> str:
        """When the service's container last started: unchanged means no restart."""
        container = self.compose.get_container(service).ID
        out = subprocess.run(
            ["docker", "inspect", "-f", "{{.State.StartedAt}}", container],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    def metric(self, service: str, name: str) -> float:
        text = requests.get(f"{self.urls[service]}/metrics", timeout=10).text
        return sum(
            float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name)
        )

    def usage(self) -> dict[str, dict]:
        body = self.inventory(
            "GET", "/admin/auth-usage", headers=self.bearer("platform-admin")
        ).json()
        return {row["client_id"]: row for row in body["clients"]}


@pytest.fixture(scope="session")
def docker_engine():
    """Skip without an engine, unless REQUIRE_DOCKER=1 (CI), which makes it a failure."""
    problem = _docker_problem()
    if problem:
        if os.environ.get("REQUIRE_DOCKER") == "1":
            pytest.fail(f"REQUIRE_DOCKER=1 but {problem}", pytrace=False)
        pytest.skip(f"e2e skipped: {problem} (set REQUIRE_DOCKER=1 to make this a failure)")


@pytest.fixture(scope="session")
def stack(docker_engine, tmp_path_factory):
    from testcontainers.compose import DockerCompose

    env_file = tmp_path_factory.mktemp("e2e") / "e2e.env"
    env_file.write_text(
        "ORDER_AUTH=api_key\nINVENTORY_AUTH_MODE=api_key\nINVENTORY_API_KEY_SUNSET=2027-06-30\n"
        # Blank host ports: Docker picks free ones, the tests read them back.
        "AUTH_PUBLISH=127.0.0.1:\nINVENTORY_PUBLISH=127.0.0.1:\nORDER_PUBLISH=127.0.0.1:\n"
        "MCP_PUBLISH=127.0.0.1:\n"
    )
    os.environ["COMPOSE_PROJECT_NAME"] = f"apikey-oauth-e2e-{uuid.uuid4().hex[:6]}"
    compose = DockerCompose(
        context=ROOT,
        compose_file_name="docker-compose.yml",
        build=True,
        wait=True,
        env_file=str(env_file),
    )
    compose.start()
    trusted = os.environ.get("REQUESTS_CA_BUNDLE")
    try:
        stack = Stack(compose, env_file)
        ca = env_file.with_name("compose-ca.pem")
        ca.write_text(
            stack.run_compose("run", "--rm", "--no-deps", "-T", "bootstrap", "cat", "/certs/ca.pem")
        )
        os.environ["REQUESTS_CA_BUNDLE"] = str(ca)
        yield stack
    finally:
        if trusted is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = trusted
        compose.stop(down=True)
        subprocess.run(
            [*compose.compose_command_property, "down", "-v"], cwd=ROOT, capture_output=True
        )
        os.environ.pop("COMPOSE_PROJECT_NAME", None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    stack = item.funcargs.get("stack") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and stack is not None:
        stdout, stderr = stack.compose.get_logs()
        report.sections.append(("container logs", (stdout + stderr)[-20000:]))
