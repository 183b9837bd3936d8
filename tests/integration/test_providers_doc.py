"""docs/providers.md, executed: each provider's environment blocks against its local stand-in.

A block's example hosts (``https://keycloak.example`` …) are replaced by the local issuer's
address, ``https://inventory.example`` by the test resource, and ``/run/secrets/…`` by files
made here; nothing else in a block is changed. The provider stand-ins are
``tests/support/providers/``; node-oidc-provider runs for real.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import requests

from order_service.config import Settings
from order_service.oauth_client import ClientCredentials
from tests.support.inventory_calls import assert_scoped_calls, bearer
from tests.support.keys import private_pem, self_signed_certificate
from tests.support.node_oidc import NodeOidcProvider
from tests.support.processes import ROOT, Service, free_port
from tests.support.providers import RESOURCE, ProviderIssuer

DOC = (ROOT / "docs" / "providers.md").read_text()
SECTIONS = {
    "node-oidc-provider": "## node-oidc-provider",
    "keycloak": "## Keycloak",
    "auth0": "## Auth0",
    "okta": "## Okta",
    "entra": "## Microsoft Entra ID",
    "cognito": "## Amazon Cognito",
    "scalekit": "## Scalekit",
    "hydra": "## Ory Hydra",
    "zitadel": "## Zitadel",
}
# The example hosts each section uses, all served by the one local stand-in.
HOSTS = {
    "node-oidc-provider": ("https://oidc.example",),
    "keycloak": ("https://keycloak.example",),
    "auth0": ("https://tenant.example.auth0.com",),
    "okta": ("https://example.okta.com",),
    "entra": ("https://login.microsoftonline.com",),
    "cognito": (
        "https://cognito-idp.us-east-1.amazonaws.com",
        "https://inventory-demo.auth.us-east-1.amazoncognito.com",
    ),
    "scalekit": ("https://acme.scalekit.example",),
    "hydra": ("https://hydra.example",),
    "zitadel": ("https://acme.zitadel.example",),
}


def section(provider: str) -> str:
    start = DOC.index(SECTIONS[provider] + "\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else None]


def env_blocks(provider: str, prefix: str) -> dict[str, str]:
    """The section's ``dotenv`` block whose variables start with ``prefix``, as a dict."""
    for block in re.findall(r"```dotenv\n(.*?)```", section(provider), flags=re.S):
        pairs = [line.split("=", 1) for line in block.splitlines() if line and line[0] != "#"]
        if pairs and all(name.startswith(prefix) for name, _ in pairs):
            return dict(pairs)
    raise AssertionError(f"no {prefix}* block in the {provider} section")


def localised(provider: str, env: dict[str, str], url: str, secrets: Path) -> dict[str, str]:
    out = {}
    for name, value in env.items():
        for host in HOSTS[provider]:
            value = value.replace(host, url)
        value = value.replace("https://inventory.example", RESOURCE)
        value = value.replace("/run/secrets", str(secrets))
        out[name] = value
    return out


def secret_files(tmp_path: Path) -> Path:
    (tmp_path / "order-client-secret").write_text("s3cret-from-the-provider\n")
    key = private_pem("RSA")
    (tmp_path / "order-client-key.pem").write_bytes(key)
    (tmp_path / "order-client-cert.pem").write_bytes(self_signed_certificate(key))
    return tmp_path


def order_settings(env: dict[str, str]):
    prefixless = {name.removeprefix("ORDER_"): value for name, value in env.items()}
    return Settings.load({**prefixless, "INVENTORY_URL": "http://127.0.0.1:1"}).oauth


def claims_of(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_every_provider_has_a_section_with_both_blocks():
    for provider in SECTIONS:
        assert env_blocks(provider, "INVENTORY_")["INVENTORY_ISSUER"]
        assert env_blocks(provider, "ORDER_")["ORDER_AUTH"] == "oauth"


@pytest.mark.parametrize("provider", [p for p in SECTIONS if p != "node-oidc-provider"])
def test_the_order_block_gets_a_token_in_the_providers_shape(provider, tmp_path):
    issuer = ProviderIssuer(provider)
    try:
        env = localised(
            provider, env_blocks(provider, "ORDER_"), issuer.url, secret_files(tmp_path)
        )
        token, _ = ClientCredentials(order_settings(env)).fetch()
        request = issuer.token_requests[-1]
        assert issuer.requesting_client(request) == env["ORDER_CLIENT_ID"]
        assert request["form"]["scope"] == env["ORDER_SCOPE"]
        assert ("resource" in request["form"]) == bool(env["ORDER_RESOURCE"])
        claims = claims_of(token)
        assert claims["iss"] == issuer.issuer
        expected = issuer.access_token("write", client_id=env["ORDER_CLIENT_ID"])
        assert claims.get("aud") == claims_of(expected).get("aud")
        if provider == "entra":
            assert request["assertion_header"]["x5t#S256"]
            assert request["assertion_claims"]["aud"] == f"{issuer.url}{issuer.shape.token_path}"
    finally:
        issuer.close()


def test_the_node_oidc_provider_order_block_gets_a_token(tmp_path):
    node = NodeOidcProvider(tmp_path / "node")
    node.add_resource(RESOURCE, "inventory:read inventory:write")
    secret = node.add_client("order-service", "inventory:write")
    node.start()
    try:
        secrets = tmp_path / "secrets"
        secrets.mkdir()
        (secrets / "order-client-secret").write_text(f"{secret}\n")
        env = localised(
            "node-oidc-provider", env_blocks("node-oidc-provider", "ORDER_"), node.url, secrets
        )
        token, _ = ClientCredentials(order_settings(env)).fetch()
        claims = claims_of(token)
        assert claims["aud"] == RESOURCE
        assert claims["client_id"] == "order-service"
        assert claims["scope"] == "inventory:write"
    finally:
        node.stop()


def inventory_from_block(provider: str, issuer_url: str, tmp_path: Path) -> Service:
    env = localised(provider, env_blocks(provider, "INVENTORY_"), issuer_url, tmp_path)
    port = free_port()
    env.update(
        INVENTORY_PORT=str(port),
        INVENTORY_DATA_DIR=str(tmp_path / "inventory"),
        INVENTORY_WORKERS="1",
    )
    return Service("inventory_service", env, port, tmp_path / "inventory.log").start()


@pytest.mark.parametrize("provider", [p for p in SECTIONS if p != "node-oidc-provider"])
def test_the_inventory_block_accepts_the_providers_tokens_as_scoped(provider, tmp_path):
    """The issue's table, per provider, on the real Inventory process configured by the doc:
    read 200, write 201, read-only write 403, the provider's ID token 401."""
    issuer = ProviderIssuer(provider)
    inventory = None
    try:
        inventory = inventory_from_block(provider, issuer.url, tmp_path)
        url = inventory.url
        assert_scoped_calls(
            url,
            reader=issuer.access_token("read"),
            writer=issuer.access_token("read", "write"),
            order_id=f"{provider}-1",
        )
        id_token = requests.get(f"{url}/inventory", headers=bearer(issuer.id_token()), timeout=10)
        assert id_token.status_code == 401
        assert id_token.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    finally:
        if inventory:
            inventory.stop()
        issuer.close()


def test_the_node_oidc_provider_inventory_block_takes_its_tokens_and_admin(tmp_path):
    node = NodeOidcProvider(tmp_path / "node")
    node.add_resource(RESOURCE, "inventory:read inventory:admin")
    reader = node.add_client("reader", "inventory:read")
    admin = node.add_client("platform-admin", "inventory:admin")
    node.start()
    inventory = None
    try:
        inventory = inventory_from_block("node-oidc-provider", node.url, tmp_path)
        token = node.token("reader", reader, "inventory:read", RESOURCE)
        resp = requests.get(f"{inventory.url}/inventory", headers=bearer(token), timeout=10)
        assert resp.status_code == 200
        admin_token = node.token("platform-admin", admin, "inventory:admin", RESOURCE)
        resp = requests.put(
            f"{inventory.url}/admin/auth-mode",
            json={"mode": "dual"},
            headers=bearer(admin_token),
            timeout=10,
        )
        assert resp.status_code == 200, resp.text
    finally:
        if inventory:
            inventory.stop()
        node.stop()
