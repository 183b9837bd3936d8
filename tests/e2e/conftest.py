"""One compose stack for the e2e session, on the real docker-compose.yml, and one for
``test_scale.py`` with docker-compose.scale.yml on top (replicas on PostgreSQL).

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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import pytest
import requests
from testcontainers.compose import DockerCompose

from scripts.bootstrap import scale_env

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

    def replica_metric(self, service: str, port: int, name: str, **labels: str) -> list[float]:
        """``name`` (samples matching ``labels`` summed) as each replica of ``service`` reports
        it, scraped inside each container: the proxy would answer for just one of them."""
        wanted = [f'{key}="{value}"' for key, value in labels.items()]
        scrape = f"import urllib.request as u; print(u.urlopen('http://127.0.0.1:{port}/metrics').read().decode())"
        replicas = sorted(
            (c for c in self.compose.get_containers() if c.Service == service), key=lambda c: c.Name
        )
        with ThreadPoolExecutor(len(replicas)) as pool:
            texts = pool.map(
                lambda c: subprocess.run(
                    ["docker", "exec", c.ID, "python", "-c", scrape],
                    capture_output=True, text=True, check=True,
                ).stdout,
                replicas,
            )  # fmt: skip
        return [
            sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith(name + "{") and all(label in line for label in wanted)
            )
            for text in texts
        ]

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


class NamedCompose(DockerCompose):
    """``DockerCompose`` under its own project name (``docker compose -p``), not the
    process-wide ``COMPOSE_PROJECT_NAME``: two stacks can then be up in one session (the
    replicas' stack beside the one every other e2e module shares) without one's commands
    reaching the other."""

    def __init__(self, project: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.project = project

    @cached_property
    def compose_command_property(self) -> list[str]:
        binary, compose, *rest = DockerCompose.compose_command_property.func(self)
        return [binary, compose, "-p", self.project, *rest]


#: The e2e stacks' settings: phase 0, and blank host ports (Docker picks free ones, the tests
#: read them back), so no stack collides with another or with `make demo-docker`'s 8443-8446.
E2E_ENV = (
    "ORDER_AUTH=api_key\nINVENTORY_AUTH_MODE=api_key\nINVENTORY_API_KEY_SUNSET=2027-06-30\n"
    "AUTH_PUBLISH=127.0.0.1:\nINVENTORY_PUBLISH=127.0.0.1:\nORDER_PUBLISH=127.0.0.1:\n"
    "MCP_PUBLISH=127.0.0.1:\n"
)


def compose_state(compose: DockerCompose) -> str:
    """Each container's state and the logs' tail: what a failed ``up --wait`` leaves to read."""
    run = [*compose.compose_command_property]
    ps = subprocess.run([*run, "ps", "-a"], cwd=ROOT, capture_output=True, text=True).stdout
    logs = subprocess.run([*run, "logs", "--no-color"], cwd=ROOT, capture_output=True, text=True)
    return f"{ps}\n{(logs.stdout + logs.stderr)[-12000:]}"


@contextmanager
def compose_stack(workdir: Path, *compose_files: str) -> Iterator[Stack]:
    """Build and start a compose stack from ``compose_files``, trust its CA, take it down.

    The settings go to an env file in ``workdir``, with any secret the files need generated
    there at run time (``scripts.bootstrap.scale_env``), never committed. While the stack is
    up, ``REQUESTS_CA_BUNDLE`` names its CA; the previous value comes back afterwards.
    """
    env_file = workdir / "e2e.env"
    env_file.write_text(E2E_ENV)
    if "docker-compose.scale.yml" in compose_files:
        scale_env(env_file)
    compose = NamedCompose(
        project=f"apikey-oauth-e2e-{uuid.uuid4().hex[:6]}",
        context=ROOT,
        compose_file_name=list(compose_files),
        build=True,
        wait=True,
        env_file=str(env_file),
    )
    trusted = os.environ.get("REQUESTS_CA_BUNDLE")
    try:
        try:
            compose.start()
        except subprocess.CalledProcessError:
            pytest.fail(f"compose up failed:\n{compose_state(compose)}", pytrace=False)
        stack = Stack(compose, env_file)
        ca = workdir / "compose-ca.pem"
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


@pytest.fixture(scope="session")
def stack(docker_engine, tmp_path_factory):
    """The real docker-compose.yml, shared by the e2e modules of the session."""
    with compose_stack(tmp_path_factory.mktemp("e2e"), "docker-compose.yml") as up:
        yield up


@pytest.fixture(scope="module")
def scale_stack(docker_engine, tmp_path_factory):
    """docker-compose.yml with docker-compose.scale.yml: the replicas on PostgreSQL. Module
    scope: its dozen containers go as soon as the module that uses them is done."""
    with compose_stack(
        tmp_path_factory.mktemp("e2e-scale"), "docker-compose.yml", "docker-compose.scale.yml"
    ) as up:
        yield up


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    funcargs = getattr(item, "funcargs", {})
    stack = funcargs.get("stack") or funcargs.get("scale_stack")
    if report.when == "call" and report.failed and stack is not None:
        stdout, stderr = stack.compose.get_logs()
        report.sections.append(("container logs", (stdout + stderr)[-20000:]))
