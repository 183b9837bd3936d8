"""The demo's MCP chapter (phase 5): an AI agent gets in with client credentials, never a key.

Told after phase 3 by ``Narrator.run`` (``narration.py``), against any runtime that also
offers ``mcp_resource`` (the MCP URL, which tokens for it carry as ``aud``) and
``run_agent(*args)`` (``python -m scripts.agent`` where it can reach the services). The
agent's own output is shown as it prints it: each discovery step, never a secret.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import requests

if TYPE_CHECKING:
    from .narration import Narrator

LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


class McpChapter:
    def __init__(self, narrator: Narrator) -> None:
        self.n = narrator
        self.rt = narrator.rt
        self.runs: dict[str, subprocess.CompletedProcess] = {}  # label → the agent's run

    @property
    def mcp(self) -> str:
        """The MCP URL as this machine reaches it."""
        return f"{self.rt.urls['inventory_service.mcp']}/mcp"

    def run(self) -> None:
        self.n.phase(
            "Phase 5 · an AI agent over MCP",
            "The Inventory's operations as MCP tools (port 9003), protected like the API.\n"
            "The agent uses the official mcp SDK and knows only the MCP URL.",
        )
        # label → the agent's arguments after --client-id
        agents = {
            "inventory-agent (client_secret_basic)": (
                "--order-id",
                f"agent-{uuid.uuid4().hex[:6]}",
            ),
            "inventory-agent-jwt (private_key_jwt)": ("--private-key-jwt",),
            "readonly-agent (inventory:read only)": ("--order-id", "never"),
        }
        # Three independent agents, started together and told in turn: compose runs each in
        # its own container (seconds apiece); locally they share one import of the SDK.
        with ThreadPoolExecutor(len(agents)) as pool:
            runs = {
                label: pool.submit(self.rt.run_agent, "--client-id", label.split(" ")[0], *args)
                for label, args in agents.items()
            }
            self.runs = {label: run.result() for label, run in runs.items()}
        result = self.agent("inventory-agent (client_secret_basic)")
        self.n.expect(
            result.get("reserve_stock", {}).get("created") is True,
            f"the agent did not reserve stock: {result}",
        )
        self.n.why(
            "401 → RFC 9728 → RFC 8414 → token → tools: discovery from the URL alone, and a "
            "403 insufficient_scope made the SDK step up to inventory:write by itself."
        )
        self.agent("inventory-agent-jwt (private_key_jwt)", quiet=True)
        resp = self.n.call("POST", self.mcp, "reporting-job's API key at /mcp", 401,
                           json=LIST_TOOLS, headers={**MCP_HEADERS, "X-API-Key": self.n.key("reporting-job")})  # fmt: skip
        self.n.console.print(f"      [dim]body:[/] {resp.json()['detail'][:160]}…")
        rest_token = self.n.token("order-service")  # aud = the REST API
        resp = self.n.call("POST", self.mcp, "order-service's REST token at /mcp", 401,
                           json=LIST_TOOLS, headers={**MCP_HEADERS, "Authorization": f"Bearer {rest_token}"})  # fmt: skip
        self.n.expect(
            resp.json().get("error_description") == "The token is meant for another resource.",
            f"the REST token was not refused for its audience: {resp.text[:200]}",
        )
        self.n.why("No token passthrough: a token for the REST API is not a token for MCP.")
        self.read_only_agent()
        self.n.summary.append(
            (
                "5 MCP agent",
                "tokens only",
                "agent discovered + reserved; key, REST token, read-only write refused",
            )
        )

    def agent(self, label: str, quiet: bool = False, expect_ok: bool = True) -> dict:
        client_id = label.split(" ")[0]
        out: subprocess.CompletedProcess = self.runs[label]
        lines = out.stdout.splitlines()
        shown = [x for x in lines if not x.startswith("result: ")]
        if quiet:
            keep = ("agent ", "  tools:", "  {", "  ← 4")
            shown = [x for x in shown if x.startswith(keep)]
        mark = "[green]✓[/]" if (out.returncode == 0) == expect_ok else "[red]✗[/]"
        self.n.console.print(f"  {mark} [bold]python -m scripts.agent[/] as {label}")
        for line in shown:
            self.n.console.print(f"      [dim]{_mask(line)}[/]", highlight=False)
        self.n.expect(
            (out.returncode == 0) == expect_ok,
            f"agent {client_id} exit {out.returncode}: {(out.stdout + out.stderr)[-800:]}",
        )
        result = next((x for x in lines if x.startswith("result: ")), None)
        return json.loads(result[len("result: ") :]) if result else {}

    def read_only_agent(self) -> None:
        self.agent("readonly-agent (inventory:read only)", quiet=True, expect_ok=False)
        token = self._read_only_token()
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": "reserve_stock", "arguments": {"sku": "WIDGET-1", "quantity": 1, "order_id": "never"}}}  # fmt: skip
        resp = self.n.call("POST", self.mcp, "readonly-agent calls reserve_stock", 403, json=call,
                           headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"})  # fmt: skip
        self.n.expect(
            'error="insufficient_scope"' in resp.headers.get("WWW-Authenticate", ""),
            "no insufficient_scope challenge at /mcp",
        )
        self.n.why(
            "The gate answers 403 before the tool runs; the SDK asks the AS for more, and the AS "
            "says no (invalid_scope): this agent may only ever read."
        )

    def _read_only_token(self) -> str:
        secret = self.rt.credentials()["agents"]["readonly-agent"]["client_secret"]
        resp = requests.post(
            f"{self.rt.urls['auth_server']}/oauth/token",
            data={"grant_type": "client_credentials", "resource": self.rt.mcp_resource},
            auth=("readonly-agent", secret),
            timeout=10,
        )
        self.n.expect(resp.status_code == 200, f"readonly-agent token: {resp.text[:200]}")
        return resp.json()["access_token"]


def _mask(line: str) -> str:
    """The agent prints no secret; rich markup in its output is escaped, long lines cut."""
    line = re.sub(r"\[", r"\\[", line)
    return line if len(line) <= 180 else line[:177] + "…"
