"""The agent's flags for another AS, with the real MCP server process and real HTTP.

Against a local issuer the MCP server trusts, the recorded token request shows exactly what
an Auth0- or Entra-style AS would receive; against our AS, ``client_secret_post`` and a
token endpoint given by flag get the agent its tools.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.issuer import TestIssuer
from tests.support.keys import private_pem, self_signed_certificate
from tests.support.mcp import start_mcp_stack
from tests.support.processes import ROOT, Service, free_port, run_cli

from .test_mcp_agent import TOOLS, result_of


def agent(url: str, issuer: str, *args: str, secret: str | None = None):
    env = {**os.environ, **({"AGENT_CLIENT_SECRET": secret} if secret else {})}
    return subprocess.run(
        [sys.executable, "-m", "scripts.agent", "--url", url, "--issuer", issuer,
         "--credentials", "/nonexistent", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """A local issuer that grants every token request, and an MCP server trusting it."""
    issuer = TestIssuer()
    issuer.grants_tokens = True
    port = free_port()
    tmp = tmp_path_factory.mktemp("agent-local-issuer")
    env = {
        "INVENTORY_ISSUER": issuer.issuer,
        "INVENTORY_DATA_DIR": str(tmp),
        "INVENTORY_MCP_RESOURCE": f"http://127.0.0.1:{port}/mcp",
        "INVENTORY_MCP_PORT": str(port),
    }
    mcp = Service("inventory_service.mcp", env, port, tmp / "mcp.log").start()
    try:
        yield issuer, mcp
    finally:
        mcp.stop()
        issuer.close()


def test_audience_and_no_resource_with_client_secret_post(local):
    issuer, mcp = local
    url = f"{mcp.url}/mcp"
    out = agent(
        url, issuer.issuer, "--client-id", "agent-auth0-style", "--client-auth-method",
        "client_secret_post", "--audience", url, "--resource", "", "--order-id", "agent-a0",
        secret="s3cret",
    )  # fmt: skip
    assert result_of(out)["tools"] == TOOLS
    form = issuer.token_requests[-1]["form"]
    assert form["audience"] == url
    assert "resource" not in form
    assert form["client_id"] == "agent-auth0-style"
    assert form["client_secret"] == "s3cret"
    assert issuer.token_requests[-1]["authorization"] is None


def test_entra_style_certificate_assertion_from_the_agent(local, tmp_path):
    issuer, mcp = local
    key = private_pem("RSA")
    (tmp_path / "key.pem").write_bytes(key)
    (tmp_path / "cert.pem").write_bytes(self_signed_certificate(key))
    token_endpoint = f"{issuer.url}/token"
    out = agent(
        f"{mcp.url}/mcp", issuer.issuer, "--client-id", "agent-entra-style",
        "--private-key", str(tmp_path / "key.pem"), "--client-cert", str(tmp_path / "cert.pem"),
        "--client-assertion-audience", "token_endpoint", "--token-endpoint", token_endpoint,
        "--order-id", "agent-entra",
    )  # fmt: skip
    assert result_of(out)["reserve_stock"]["created"] is True
    request = issuer.token_requests[-1]
    assert request["assertion_header"]["alg"] == "PS256"
    assert request["assertion_header"]["x5t#S256"]
    assert request["assertion_claims"]["aud"] == token_endpoint
    assert request["assertion_claims"]["exp"] - request["assertion_claims"]["iat"] == 60
    assert request["form"]["resource"] == f"{mcp.url}/mcp"  # the SDK's RFC 8707 value


def test_client_secret_post_and_a_token_endpoint_flag_at_our_as(tmp_path):
    started: list[Service] = []
    try:
        stack = start_mcp_stack(tmp_path, started)
        created = run_cli(
            "auth_server", stack.auth.env, "clients", "create", "agent-post",
            "--scope", "inventory:read inventory:write", "--resource", stack.url,
            "--auth-method", "client_secret_post",
        )  # fmt: skip
        secret = json.loads(created.stdout)["client_secret"]
        out = agent(
            stack.url, stack.issuer, "--client-id", "agent-post",
            "--client-auth-method", "client_secret_post",
            "--token-endpoint", f"{stack.auth.url}/oauth/token", "--order-id", "agent-post",
            secret=secret,
        )  # fmt: skip
        assert result_of(out)["reserve_stock"]["created"] is True
        assert f"POST {stack.auth.url}/oauth/token" in out.stdout
    finally:
        for service in started:
            service.stop()
