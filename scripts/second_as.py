"""The authorization server the team already runs: node-oidc-provider beside the local stack.

Phase 6 of ``make demo`` and its workshop section move Order from the demo AS to another
AS without a refused call, the same discipline as the move off API keys: trust both,
move the client, watch the ledger, drop the old one. The other AS is node-oidc-provider
(``make node-oidc`` installs the pinned package; ``tests/support/node_oidc/server.mjs`` is its
whole configuration, shared with the tests), started here as a real process on port 9004
with order-service registered. Its state lives in ``.demo/`` beside the stack's:

* ``node-oidc.json`` (0600): its configuration, with order-service's secret;
* ``node-oidc-order-secret`` (0600): the same secret, for ``ORDER_CLIENT_SECRET_FILE``;
* ``issuers.toml``: Inventory's trust file (``INVENTORY_ISSUERS_FILE``), which REST and MCP
  follow while serving: an edit is in force at once, no restart.

``python -m scripts.second_as up`` (``make own-as``) starts it and redeploys Inventory and
the MCP server on a trust file listing both ASes; ``order`` (``make order-own-as``)
redeploys Order on it; ``drop-old`` rewrites the trust file without the demo AS.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from . import second_as_process, stack_health
from .bootstrap import write_private
from .local_stack import LocalStack
from .process_groups import port_taken

ROOT = Path(__file__).resolve().parents[1]
NODE_OIDC = ROOT / "tests" / "support" / "node_oidc"
INSTALLED = NODE_OIDC / "node_modules" / "oidc-provider" / "package.json"
PORT = 9004
SCOPE = "inventory:read inventory:write"
SERVERS = ("inventory_service", "inventory_service.mcp")  # the two that read the trust file
ENABLE = "make node-oidc"  # what installs it (Node.js 18+ and npm ci of the pinned lock)


def installed() -> bool:
    """Whether node-oidc-provider and a Node.js to run it are on this machine."""
    return INSTALLED.exists() and shutil.which("node") is not None


class SecondAs:
    """node-oidc-provider for one ``LocalStack``; ``issuer`` is ``http://127.0.0.1:9004``."""

    def __init__(self, stack: LocalStack, port: int = PORT) -> None:
        self.stack = stack
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.trust_file = stack.state / "issuers.toml"
        self.secret_file = stack.state / "node-oidc-order-secret"

    # -- the process -------------------------------------------------------------------------

    def start(self) -> None:
        if not installed():
            raise RuntimeError(f"node-oidc-provider is not installed: run `{ENABLE}`")
        if port_taken(self.port):
            raise RuntimeError(f"port {self.port} is already in use (make down?)")
        secret = secrets.token_urlsafe(32)
        write_private(self.secret_file, secret)
        config = {
            "issuer": self.issuer,
            "port": self.port,
            "resources": {self.stack.resource: {"scope": SCOPE, "ttl": 300}},
            "clients": [{"client_id": "order-service", "client_secret": secret,
                         "token_endpoint_auth_method": "client_secret_basic", "scope": SCOPE}],
        }  # fmt: skip
        config_file = self.stack.state / "node-oidc.json"
        write_private(config_file, json.dumps(config))
        log = (self.stack.state / "node-oidc.log").open("ab")
        proc = subprocess.Popen(
            [shutil.which("node") or "node", str(NODE_OIDC / "server.mjs"), str(config_file)],
            cwd=NODE_OIDC,
            env={**os.environ, "NODE_ENV": "production"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        second_as_process.started(self.stack.state, proc)
        deadline = time.monotonic() + 20
        while not self._ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                second_as_process.stop(self.stack.state)
                raise RuntimeError(f"node-oidc-provider did not start: see {log.name}")
            time.sleep(0.05)

    def _ready(self) -> bool:
        try:
            url = f"{self.issuer}/.well-known/openid-configuration"
            return requests.get(url, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    # -- the moves ---------------------------------------------------------------------------

    def write_trust(self, *issuers: str) -> None:
        """The trust file, written whole and renamed into place (an atomic edit)."""
        text = "".join(f'[[issuer]]\nurl = "{issuer}"\n\n' for issuer in issuers)
        draft = self.trust_file.with_suffix(".draft")
        draft.write_text(text)
        os.replace(draft, self.trust_file)

    def prepare(self) -> None:
        """Before the stack starts: Inventory and the MCP server read their issuers from
        the trust file, which lists only the demo AS (``make demo`` with node-oidc-provider
        installed). Phase 6 then edits it, with no restart."""
        self.write_trust(self.stack.issuer)
        for package in SERVERS:
            self.stack.extra_env[package] = {**self.stack.extra_env.get(package, {}), **self._trust}

    @property
    def prepared(self) -> bool:
        """Whether Inventory and the MCP server were started on the trust file."""
        file = str(self.trust_file)
        return all(
            self.stack.extra_env.get(p, {}).get("INVENTORY_ISSUERS_FILE") == file for p in SERVERS
        )

    @property
    def _trust(self) -> dict[str, str]:
        # INVENTORY_ISSUER is left empty: beside the file it must name one of its issuers,
        # and the demo AS is about to leave the file.
        return {"INVENTORY_ISSUERS_FILE": str(self.trust_file), "INVENTORY_ISSUER": ""}

    def trust_both(self) -> None:
        """Add this AS to the trust file; a stack started without it is redeployed on it."""
        if self.prepared:
            self.write_trust(self.stack.issuer, self.issuer)
            return
        self.prepare()
        self.write_trust(self.stack.issuer, self.issuer)
        for package in SERVERS:
            self.stack.stop_service(package)
        with ThreadPoolExecutor(len(SERVERS)) as pool:
            list(pool.map(self.stack.start_service, SERVERS))

    def up(self) -> None:
        """``make own-as``: node-oidc-provider started while Inventory and the MCP server
        trust it (redeployed on the trust file if they were not started on it)."""
        with ThreadPoolExecutor(2) as pool:
            runs = [pool.submit(self.start), pool.submit(self.trust_both)]
            for run in runs:
                run.result()

    def move_order(self) -> None:
        """Redeploy Order on this AS: same client id, same resource, another issuer."""
        self.stack.extra_env["order_service"] = {
            "ORDER_ISSUER": self.issuer,
            "ORDER_CLIENT_SECRET_FILE": str(self.secret_file),
        }
        self.stack.set_order_auth("oauth")

    def drop_old(self) -> None:
        self.write_trust(self.issuer)

    def token(self, client_id: str = "order-service") -> str:
        response = requests.post(
            f"{self.issuer}/token",
            data={"grant_type": "client_credentials", "scope": SCOPE,
                  "resource": self.stack.resource},
            auth=(client_id, self.secret_file.read_text()),
            timeout=10,
        )  # fmt: skip
        response.raise_for_status()
        return response.json()["access_token"]


def main(argv: list[str]) -> int:
    stack = LocalStack()
    command = argv[0] if argv else ""
    if command not in ("up", "order", "drop-old"):
        print("usage: python -m scripts.second_as up|order|drop-old", file=sys.stderr)
        return 2
    problem = stack_health.refusal(stack.state, stack.urls)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    second = SecondAs(stack)
    try:
        if command == "up":
            second.up()
            print(f"node-oidc-provider is up on {second.issuer} (order-service registered).")
            print(f"Inventory and MCP now trust {stack.issuer} and {second.issuer}:")
            print(f"  INVENTORY_ISSUERS_FILE={second.trust_file.relative_to(ROOT)}")
        elif command == "order":
            second.move_order()
            print(f"Order restarted with ORDER_ISSUER={second.issuer}.")
        else:
            second.drop_old()
            print(f"{stack.issuer} left the trust file; Inventory follows it at once.")
    except RuntimeError as exc:  # StackError too: something a person must fix
        print(f"second_as {command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
