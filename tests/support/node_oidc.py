"""node-oidc-provider as a real process: the independent AS the tests trust besides ours.

``make node-oidc`` installs the pinned package (tests/support/node_oidc/package-lock.json);
``server.mjs`` there is its whole configuration. Clients and resources are fixed at start,
as in a deployment that reads them from its config, so add them before ``start``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.support.processes import free_port, stop_process_group, wait_until

HERE = Path(__file__).resolve().parent / "node_oidc"
SERVER = HERE / "server.mjs"
INSTALLED = HERE / "node_modules" / "oidc-provider" / "package.json"


def version() -> str:
    """The installed oidc-provider version (the lock file pins it)."""
    return json.loads(INSTALLED.read_text())["version"]


@dataclass
class NodeOidcProvider:
    """One node-oidc-provider on a free port; ``issuer`` is ``http://127.0.0.1:<port>``."""

    workdir: Path
    port: int = field(default_factory=free_port)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    clients: list[dict[str, Any]] = field(default_factory=list)
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    url = issuer

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    def add_resource(self, indicator: str, scope: str, ttl: int = 300) -> None:
        """A resource server (RFC 8707 indicator) whose tokens are RFC 9068 JWTs."""
        self.resources[indicator] = {"scope": scope, "ttl": ttl}

    def add_client(
        self,
        client_id: str,
        scope: str,
        auth_method: str = "client_secret_basic",
        jwks: dict | None = None,
    ) -> str | None:
        """Register a client; returns its secret (None for ``private_key_jwt``)."""
        client: dict[str, Any] = {
            "client_id": client_id,
            "scope": scope,
            "token_endpoint_auth_method": auth_method,
        }
        secret = None
        if auth_method == "private_key_jwt":
            client["jwks"] = jwks
        else:
            secret = secrets.token_urlsafe(32)
            client["client_secret"] = secret
        self.clients.append(client)
        return secret

    def start(self, timeout: float = 20.0) -> NodeOidcProvider:
        if not INSTALLED.exists():
            raise AssertionError("node-oidc-provider is not installed: run `make node-oidc`")
        node = shutil.which("node")
        if node is None:
            raise AssertionError("Node.js is not on the PATH: run `make node-oidc`")
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "node-oidc.json"
        config.write_text(
            json.dumps(
                {
                    "issuer": self.issuer,
                    "port": self.port,
                    "resources": self.resources,
                    "clients": self.clients,
                }
            )
        )
        config.chmod(0o600)  # it holds client secrets
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [node, str(SERVER), str(config)],
            cwd=HERE,
            env={**os.environ, "NODE_ENV": "test"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self._ready, timeout, what=f"node-oidc-provider\n{self.logs()}")
        return self

    @property
    def log_path(self) -> Path:
        return self.workdir / "node-oidc.log"

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def _ready(self) -> bool:
        if self.proc and self.proc.poll() is not None:
            raise AssertionError(f"node-oidc-provider exited early:\n{self.logs()}")
        try:
            url = f"{self.issuer}/.well-known/openid-configuration"
            return requests.get(url, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        stop_process_group(self.proc)
        self.proc = None

    def token(self, client_id: str, secret: str, scope: str, resource: str) -> str:
        """A client-credentials token for ``resource`` (client_secret_basic)."""
        response = requests.post(
            self.token_endpoint,
            data={"grant_type": "client_credentials", "scope": scope, "resource": resource},
            auth=(client_id, secret),
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["access_token"]
