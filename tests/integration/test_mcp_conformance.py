"""The MCP server against the official conformance suite, and its protocol errors on both wires.

One real AS and one real MCP server process for the module. The suite
(``@modelcontextprotocol/conformance``, pinned in tests/support/node/package-lock.json)
cannot send a header, so it talks to a test-side proxy that adds a bearer token; the
proxy forwards ``Host`` unchanged, and the MCP server allows the proxy's address as it
would a reverse proxy's public name. Every server scenario runs in one invocation; those
that do not apply are listed with the reason in tests/support/node/conformance-not-applicable.yml
(and docs/mcp.md), and any other failure, or a listed one that starts passing, fails.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.header_proxy import HeaderProxy
from tests.support.mcp import McpStack, start_mcp_stack
from tests.support.node_tools import NODE_DIR, ensure_installed, package_bin, run_node
from tests.support.processes import ROOT, free_port

APPLICABLE = {"server-initialize", "ping", "tools-list", "dns-rebinding-protection"}
# The pre-release suite (0.2) also checks the 2026-07-28 stateless wire the SDK serves.
APPLICABLE_NEXT = {
    "server-stateless", "http-header-validation", "caching", "tools-list",
    "dns-rebinding-protection",
}  # fmt: skip
# Checks of those scenarios that exercise methods the server does not offer (-32601).
NOT_OFFERED_CHECKS = {
    "sep-2549-prompts-list-caching-hints",
    "sep-2549-resources-list-caching-hints",
    "sep-2549-resources-templates-list-caching-hints",
}
MODERN = "2026-07-28"
ENVELOPE = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "conformance-test", "version": "1"},
}


@dataclass
class Proxied:
    """The MCP stack, and the token-adding proxy in front of it that the suite talks to."""

    stack: McpStack
    proxy: HeaderProxy

    @property
    def url(self) -> str:
        return self.stack.url


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    ensure_installed()
    started = []
    mcp_port = free_port()
    proxy = HeaderProxy(f"http://127.0.0.1:{mcp_port}", token="")
    try:
        stack = start_mcp_stack(
            tmp_path_factory.mktemp("conformance"), started, mcp_port=mcp_port,
            INVENTORY_MCP_ALLOWED_HOSTS=f"127.0.0.1:{mcp_port},127.0.0.1:{proxy.port}",
        )  # fmt: skip
        proxy.token = token(stack, "inventory:read inventory:write")
        yield Proxied(stack, proxy)
    finally:
        proxy.close()
        for service in started:
            service.stop()


def token(stack: McpStack, scope: str) -> str:
    secret = stack.agents["inventory-agent"]["client_secret"]
    return requests.post(
        f"{stack.auth.url}/oauth/token",
        data={"grant_type": "client_credentials", "resource": stack.url, "scope": scope},
        auth=("inventory-agent", secret), timeout=5,
    ).json()["access_token"]  # fmt: skip


def scenario_checks(output: Path) -> dict[str, list[dict]]:
    """checks.json of each scenario the suite ran, by scenario name."""
    checks: dict[str, list[dict]] = {}
    for path in output.glob("server-*/checks.json"):
        # server-<scenario>-<ISO timestamp>
        name = re.sub(r"-\d{4}-\d\d-\d\dT[\d-]+Z$", "", path.parent.name.removeprefix("server-"))
        checks[name] = json.loads(path.read_text())
    return checks


def test_every_applicable_conformance_scenario_passes(proxied, tmp_path):
    out = run_node(
        package_bin("@modelcontextprotocol/conformance", "dist/index.js"), "server",
        "--url", f"{proxied.proxy.url}/mcp",
        "--expected-failures", NODE_DIR / "conformance-not-applicable.yml",
        "--output-dir", tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert "Baseline check passed" in out.stdout
    checks = scenario_checks(tmp_path)
    assert checks.keys() >= APPLICABLE
    for name in APPLICABLE:
        statuses = [c["status"] for c in checks[name]]
        assert statuses and set(statuses) == {"SUCCESS"}, (name, checks[name])
    assert proxied.proxy.requests > 0


def test_the_pre_release_suite_passes_the_2026_07_28_scenarios_that_apply(proxied, tmp_path):
    """Every check passes, but those the suite itself marks untestable (its diagnostic
    fixture tools are absent) and those of methods the server does not offer."""
    run_node(
        package_bin("conformance-next", "dist/index.js"), "server",
        "--url", f"{proxied.proxy.url}/mcp", "--requirements", "2026-07-28",
        "--output-dir", tmp_path,
    )  # fmt: skip
    checks = scenario_checks(tmp_path)
    assert checks.keys() >= APPLICABLE_NEXT
    for name in APPLICABLE_NEXT:
        passed = [c for c in checks[name] if c["status"] == "SUCCESS"]
        others = [
            c for c in checks[name]
            if c["status"] not in ("SUCCESS", "SKIPPED", "INFO")
            and not (c["status"] == "FAILURE" and (c.get("details") or {}).get("untestable"))
            and c["id"] not in NOT_OFFERED_CHECKS
        ]  # fmt: skip
        assert passed and not others, (name, others)
    stateless = {c["id"] for c in checks["server-stateless"] if c["status"] == "SUCCESS"}
    assert {"sep-2575-server-implements-discover", "sep-2575-server-identifies-in-result-meta",
            "sep-2575-discover-capabilities-match-handlers"} <= stateless  # fmt: skip


def test_docs_give_a_reason_for_every_scenario_that_does_not_apply():
    listed = NODE_DIR / "conformance-not-applicable.yml"
    names = [x.strip()[2:] for x in listed.read_text().splitlines() if x.startswith("  - ")]
    table = (ROOT / "docs" / "mcp.md").read_text().split("### Conformance scenarios", 1)[1]
    rows = {row.split("|")[1]: row.split("|")[2].strip() for row in table.splitlines()
            if row.startswith("| `")}  # fmt: skip
    for name in names:
        (row,) = [cells for cells in rows if f"`{name}`" in cells]
        assert rows[row] == "no", name
    for name in APPLICABLE:
        assert rows[f" `{name}` "] == "yes", name


def post(
    proxied: Proxied, method: str, params: dict | None = None, *, modern: bool
) -> requests.Response:
    """One JSON-RPC request with a token, on the 2025-11-25 or the 2026-07-28 wire."""
    headers = {"Authorization": f"Bearer {proxied.proxy.token}",
               "Accept": "application/json, text/event-stream"}  # fmt: skip
    params = dict(params or {})
    if modern:
        params["_meta"] = ENVELOPE
        headers |= {"MCP-Protocol-Version": MODERN, "Mcp-Method": method}
        if "name" in params or "uri" in params:  # the name-bearing methods' routing header
            headers["Mcp-Name"] = params.get("name") or params["uri"]
    else:
        headers["MCP-Protocol-Version"] = "2025-11-25"
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    return requests.post(proxied.url, json=body, headers=headers, timeout=5)


@pytest.mark.parametrize("modern", [False, True], ids=["2025-11-25", MODERN])
@pytest.mark.parametrize(
    ("method", "params"),
    [("prompts/get", {"name": "test_simple_prompt"}), ("prompts/list", None),
     ("resources/read", {"uri": "test://static-text"}), ("resources/list", None)],
)  # fmt: skip
def test_unoffered_prompts_and_resources_are_method_not_found(proxied, method, params, modern):
    resp = post(proxied, method, params, modern=modern)
    assert resp.status_code == (404 if modern else 200)
    assert resp.json()["error"]["code"] == -32601


@pytest.mark.parametrize("modern", [False, True], ids=["2025-11-25", MODERN])
def test_an_unknown_tool_is_invalid_params(proxied, modern):
    resp = post(proxied, "tools/call", {"name": "drop_tables", "arguments": {}}, modern=modern)
    assert resp.status_code == (400 if modern else 200)
    assert resp.json()["error"] == {"code": -32602, "message": "Unknown tool: drop_tables"}


def test_subscriptions_listen_gets_one_json_answer_not_an_event_stream(proxied):
    params = {"notifications": {"toolsListChanged": True}}
    resp = post(proxied, "subscriptions/listen", params, modern=True)
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json()["error"]["code"] == -32601


def test_discovery_declares_tools_the_extension_and_a_version(proxied):
    result = post(proxied, "server/discover", modern=True).json()["result"]
    assert result["capabilities"] == {
        "tools": {"listChanged": False},
        "extensions": {"io.modelcontextprotocol/oauth-client-credentials": {}},
    }
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"] == {
        "name": "inventory", "version": "0.1.0",
    }  # fmt: skip


def test_the_as_metadata_meets_the_client_credentials_extension(proxied):
    """ext-auth "OAuth Client Credentials", Server Metadata Requirements, found as a client would."""
    prm = requests.get(
        f"{proxied.stack.mcp.url}/.well-known/oauth-protected-resource/mcp", timeout=5
    ).json()
    (issuer,) = prm["authorization_servers"]
    meta = requests.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=5).json()
    assert {"private_key_jwt", "client_secret_basic"} <= set(
        meta["token_endpoint_auth_methods_supported"]
    )
    assert "client_credentials" in meta["grant_types_supported"]
    assert meta["token_endpoint_auth_signing_alg_values_supported"] == ["ES256", "RS256"]


def test_protocol_errors_leave_no_traceback_in_the_log(proxied):
    post(proxied, "prompts/get", {"name": "nope"}, modern=True)
    post(proxied, "tools/call", {"name": "nope", "arguments": {}}, modern=False)
    log = proxied.stack.mcp.logs()
    assert "Traceback" not in log
    assert " ERROR " not in log
