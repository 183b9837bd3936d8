"""Inventory (REST and MCP) trusting the demo AS and node-oidc-provider at once, by a file.

Tokens are routed by ``iss``: both issuers' tokens work side by side, the RFC 9728 metadata
of both servers lists both, a stranger's token is refused as untrusted, and once an issuer
leaves the file (and Inventory restarts) its tokens are refused at once.
"""

from __future__ import annotations

import requests

from tests.support.issuer import TestIssuer
from tests.support.node_oidc import NodeOidcProvider
from tests.support.processes import Service, free_port

from .conftest import RESOURCE, client_token

UNTRUSTED = "The token comes from an issuer this API does not trust."


def get(service: Service, token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{service.url}/inventory", headers=headers, timeout=10)


def test_two_issuers_side_by_side_then_one_dropped(auth_server, tmp_path):
    node = NodeOidcProvider(tmp_path / "node")
    mcp_port, port = free_port(), free_port()
    mcp_url = f"http://127.0.0.1:{mcp_port}/mcp"
    node.add_resource(RESOURCE, "inventory:read inventory:write")
    node_secret = node.add_client("order-service-node", "inventory:read")
    node.start()
    stranger = TestIssuer()
    started: list[Service] = []
    try:
        ours = auth_server.env["AUTH_ISSUER"]
        trust = tmp_path / "issuers.toml"
        trust.write_text(
            f'[[issuer]]\nurl = "{ours}"\n\n'
            f'[[issuer]]\nurl = "{node.issuer}"\nadmin_verification = "jwt"\n'
            'client_aliases = { "order-service-node" = "order-service" }\n'
        )
        env = {
            "INVENTORY_ISSUERS_FILE": str(trust),
            "INVENTORY_RESOURCE": RESOURCE,
            "INVENTORY_DATA_DIR": str(tmp_path / "inventory"),
            "INVENTORY_WORKERS": "1",
            "INVENTORY_PORT": str(port),
            "INVENTORY_MCP_RESOURCE": mcp_url,
            "INVENTORY_MCP_PORT": str(mcp_port),
        }
        inventory = Service("inventory_service", env, port, tmp_path / "inventory.log").start()
        started.append(inventory)
        mcp = Service("inventory_service.mcp", env, mcp_port, tmp_path / "mcp.log").start()
        started.append(mcp)

        secret = auth_server.create_client("order-service", "inventory:read")
        from_ours = client_token(auth_server, "order-service", secret)
        from_node = node.token("order-service-node", node_secret, "inventory:read", RESOURCE)
        assert get(inventory, from_ours).status_code == 200
        assert get(inventory, from_node).status_code == 200
        refused = get(inventory, stranger.mint(RESOURCE))
        assert refused.status_code == 401
        assert refused.json()["error_description"] == UNTRUSTED
        assert stranger.jwks_fetches == 0
        rest_meta = requests.get(f"{inventory.url}/.well-known/oauth-protected-resource", timeout=10)  # fmt: skip
        mcp_meta = requests.get(f"{mcp.url}/.well-known/oauth-protected-resource/mcp", timeout=10)
        assert rest_meta.json()["authorization_servers"] == [ours, node.issuer]
        assert mcp_meta.json()["authorization_servers"] == [ours, node.issuer]

        # The old issuer leaves the trust file: its tokens are refused from the restart on.
        trust.write_text(f'[[issuer]]\nurl = "{ours}"\n')
        inventory.stop()
        inventory.start()
        assert get(inventory, from_ours).status_code == 200
        dropped = get(inventory, from_node)
        assert dropped.status_code == 401
        assert dropped.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
        assert dropped.json()["error_description"] == UNTRUSTED
    finally:
        for service in started:
            service.stop()
        stranger.close()
        node.stop()
