"""node-oidc-provider, an AS we did not write, as a real process: Inventory, Order, MCP.

Its tokens are RFC 9068 JWTs for an RFC 8707 resource (features ``clientCredentials`` and
``resourceIndicators``), published through OIDC discovery only; Inventory's default profile
accepts them as they are. It does not introspect its JWT access tokens, so admin tokens are
verified as JWTs (``INVENTORY_ADMIN_VERIFICATION=jwt``; its admin tokens live 300 s).
Everything below is real processes and real HTTP.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass

import jwt
import pytest
import requests

from tests.support.inventory_calls import assert_scoped_calls, bearer
from tests.support.node_oidc import NodeOidcProvider
from tests.support.processes import ROOT, Service, free_port

from .test_mcp_agent import TOOLS, result_of

RESOURCE = "http://inventory.test"
SCOPES = "inventory:read inventory:write inventory:admin"


@dataclass
class World:
    node: NodeOidcProvider
    inventory: Service
    mcp: Service
    secrets: dict[str, str]

    def token(self, client_id: str, scope: str, resource: str = RESOURCE) -> str:
        return self.node.token(client_id, self.secrets[client_id], scope, resource)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("node-oidc")
    mcp_port, inventory_port = free_port(), free_port()
    mcp_resource = f"http://127.0.0.1:{mcp_port}/mcp"
    node = NodeOidcProvider(tmp / "node")
    node.add_resource(RESOURCE, SCOPES)
    node.add_resource(mcp_resource, "inventory:read inventory:write")
    secrets = {
        "reader": node.add_client("reader", "inventory:read"),
        "writer": node.add_client("writer", "inventory:read inventory:write"),
        "order-service": node.add_client(
            "order-service", "inventory:write", auth_method="client_secret_post"
        ),
        "agent": node.add_client("agent", "inventory:read inventory:write"),
        "platform-admin": node.add_client("platform-admin", "inventory:admin"),
    }
    started: list = []
    try:
        started.append(node.start())
        common = {"INVENTORY_ISSUER": node.issuer, "INVENTORY_DATA_DIR": str(tmp / "inventory")}
        inventory = Service(
            "inventory_service",
            {**common, "INVENTORY_RESOURCE": RESOURCE, "INVENTORY_PORT": str(inventory_port),
             "INVENTORY_AUTH_MODE": "token_only", "INVENTORY_WORKERS": "1",
             "INVENTORY_ADMIN_VERIFICATION": "jwt"},
            inventory_port, tmp / "inventory.log",
        )  # fmt: skip
        started.append(inventory.start())
        mcp_env = {"INVENTORY_MCP_RESOURCE": mcp_resource, "INVENTORY_MCP_PORT": str(mcp_port)}
        mcp = Service("inventory_service.mcp", {**common, **mcp_env}, mcp_port, tmp / "mcp.log")
        started.append(mcp.start())
        yield World(node, inventory, mcp, secrets)
    finally:
        for process in reversed(started):
            process.stop()


def segment(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_node_oidc_provider_issues_rfc9068_tokens_for_the_resource(world):
    token = world.token("writer", "inventory:write")
    assert segment(token, 0)["typ"] == "at+jwt"
    claims = segment(token, 1)
    assert claims["iss"] == world.node.issuer
    assert claims["aud"] == RESOURCE
    assert claims["client_id"] == claims["sub"] == "writer"
    assert claims["scope"] == "inventory:write"
    assert {"iat", "exp", "jti"} <= claims.keys()
    # It publishes OIDC discovery only: Inventory finds it through service_kit.discovery.
    rfc8414 = f"{world.node.issuer}/.well-known/oauth-authorization-server"
    assert requests.get(rfc8414, timeout=5).status_code == 404


def test_rest_read_write_and_read_only_write(world):
    assert_scoped_calls(
        world.inventory.url,
        reader=world.token("reader", "inventory:read"),
        writer=world.token("writer", "inventory:read inventory:write"),
        order_id=f"node-{uuid.uuid4().hex[:8]}",
    )


def test_a_token_for_another_resource_is_refused(world):
    mcp_token = world.token("writer", "inventory:read", world.mcp.url + "/mcp")
    resp = requests.get(f"{world.inventory.url}/inventory", headers=bearer(mcp_token), timeout=10)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_order_places_orders_with_node_oidc_provider_tokens(world, tmp_path):
    port = free_port()
    order = Service(
        "order_service",
        {
            "ORDER_PORT": str(port),
            "ORDER_DATA_DIR": str(tmp_path / "order"),
            "ORDER_WORKERS": "1",
            "ORDER_INVENTORY_URL": world.inventory.url,
            "ORDER_AUTH": "oauth",
            "ORDER_ISSUER": world.node.issuer,
            "ORDER_CLIENT_ID": "order-service",
            "ORDER_CLIENT_SECRET": world.secrets["order-service"],
            "ORDER_CLIENT_AUTH_METHOD": "client_secret_post",
            "ORDER_RESOURCE": RESOURCE,
            "ORDER_SCOPE": "inventory:write",
        },
        port,
        tmp_path / "order.log",
    ).start()
    try:
        for _ in range(3):
            resp = requests.post(
                f"{order.url}/orders", json={"sku": "WIDGET-1", "quantity": 1}, timeout=10
            )
            assert resp.status_code == 201, resp.text
    finally:
        order.stop()


def test_the_agent_calls_the_mcp_tools_with_a_node_oidc_provider_token(world):
    out = subprocess.run(
        [sys.executable, "-m", "scripts.agent", "--url", f"{world.mcp.url}/mcp",
         "--issuer", world.node.issuer, "--client-id", "agent", "--credentials", "/nonexistent",
         "--order-id", f"agent-{uuid.uuid4().hex[:8]}"],
        env={**os.environ, "AGENT_CLIENT_SECRET": world.secrets["agent"]},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    result = result_of(out)
    assert result["tools"] == TOOLS
    assert result["reserve_stock"]["created"] is True
    assert f"GET {world.node.issuer}/.well-known/openid-configuration" in out.stdout


def test_tokens_verify_against_the_published_jwks(world):
    token = world.token("reader", "inventory:read")
    keys = jwt.PyJWKClient(f"{world.node.issuer}/jwks").get_signing_key_from_jwt(token)
    claims = jwt.decode(token, keys.key, algorithms=["ES256"], audience=RESOURCE)
    assert claims["client_id"] == "reader"


def test_admin_calls_work_with_jwt_verification(world):
    admin = bearer(world.token("platform-admin", "inventory:admin"))
    url = f"{world.inventory.url}/admin/clients/reader/auth-mode"
    resp = requests.put(url, json={"mode": "token_only"}, headers=admin, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["effective"] == "token_only"
    usage = requests.get(f"{world.inventory.url}/admin/auth-usage", headers=admin, timeout=10)
    assert usage.status_code == 200
    meta = requests.get(f"{world.inventory.url}/.well-known/oauth-protected-resource", timeout=10)
    assert meta.json()["authorization_servers"] == [world.node.issuer]
