"""The compose stack as a runtime for the narration (``make demo-docker``).

Uses the real ``docker-compose.yml`` through the ``docker compose`` CLI, under its own
project name so it never touches a stack you started by hand. Needs a Docker engine with
Compose v2; ``BASE_IMAGE`` is passed through to the build when set.

Everything goes over HTTPS through the stack's proxy; the demo trusts the stack's own
private CA (copied out of the ``tls`` volume) and nothing else for these calls.
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path

from .bootstrap import docker_env
from .stack import StackError
from .tls import CA_FILE

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "apikey-oauth-demo"
# The story starts in phase 0 on the demo ports whatever an edited .env says
# (variables from the environment win over .env in compose).
PHASE_0 = {
    "ORDER_AUTH": "api_key",
    "INVENTORY_AUTH_MODE": "api_key",
    "AUTH_PUBLISH": "127.0.0.1:8443",
    "INVENTORY_PUBLISH": "127.0.0.1:8444",
    "ORDER_PUBLISH": "127.0.0.1:8445",
    "MCP_PUBLISH": "127.0.0.1:8446",
}
CA_COPY = ROOT / ".demo" / "compose-ca.pem"


class DockerStack:
    label = "docker compose"
    stop_command = f"docker compose -p {PROJECT} down -v"
    issuer = "https://auth.localhost:8443"
    resource = "https://inventory.localhost:8444"
    # The proxy's published TLS ports; the certificate also names 127.0.0.1.
    urls = {
        "auth_server": "https://127.0.0.1:8443",
        "inventory_service": "https://127.0.0.1:8444",
        "order_service": "https://127.0.0.1:8445",
        "inventory_service.mcp": "https://127.0.0.1:8446",
    }
    mcp_resource = "https://mcp.localhost:8446/mcp"

    def run_agent(self, *args: str) -> subprocess.CompletedProcess:
        """The SDK agent inside the compose network (it must reach auth and mcp by name)."""
        cmd = ["docker", "compose", "-p", PROJECT, "--env-file", str(docker_env()),
               "run", "--rm", "--no-deps", "-T", "agent", *args]  # fmt: skip
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)

    def compose(self, *args: str, env: dict[str, str] | None = None, capture: bool = False) -> str:
        cmd = ["docker", "compose", "-p", PROJECT, "--env-file", str(docker_env()), *args]
        result = subprocess.run(
            cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=capture, text=True
        )
        if result.returncode != 0:
            raise StackError(f"`{' '.join(cmd[4:])}` failed: {(result.stderr or '')[-1500:]}")
        return result.stdout or ""

    def bootstrap(self) -> None:
        self.compose("down", "-v", "--remove-orphans", capture=True)  # a fresh story each run

    def start(self) -> None:
        self.compose("up", "-d", "--build", "--wait", env=PHASE_0, capture=True)
        self.trust_ca()

    def trust_ca(self) -> None:
        """Trust the CA the bootstrap made, for this process's ``requests`` calls."""
        ca = self.compose(
            "run", "--rm", "--no-deps", "-T", "bootstrap", "cat", f"/certs/{CA_FILE}", capture=True
        )
        CA_COPY.parent.mkdir(parents=True, exist_ok=True)
        CA_COPY.write_text(ca)
        os.environ["REQUESTS_CA_BUNDLE"] = str(CA_COPY)

    @cache  # noqa: B019 - one stack object per run
    def credentials(self) -> dict:
        out = self.compose(
            "run",
            "--rm",
            "--no-deps",
            "-T",
            "bootstrap",
            "cat",
            "/secrets/demo/credentials.json",
            capture=True,
        )
        return json.loads(out)

    def set_order_auth(self, mode: str) -> None:
        self.compose(
            "up",
            "-d",
            "--wait",
            "--no-deps",
            "order",
            env={**PHASE_0, "ORDER_AUTH": mode},
            capture=True,
        )

    def close(self) -> None:
        self.compose("down", "-v", "--remove-orphans", capture=True)
