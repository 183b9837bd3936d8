"""Eight providers' token shapes against the REST API and the MCP gate (one policy each).

Each provider's stand-in (tests/support/providers/, which cites the provider's pages)
serves its documented discovery paths and signs tokens in its documented client-credentials
shape. With its profile, Inventory accepts the calls its scopes allow and refuses the others
with 403; with the default profile (today's RFC 9068 rules) it refuses every one of them; and
whatever the profile, that provider's ID tokens are refused.
"""

from __future__ import annotations

import pytest

from inventory_service import create_app
from inventory_service.mcp.app import create_app as create_mcp_app
from tests.support.providers import (
    ENTRA_API_APP,
    RESOURCE,
    ZITADEL_PROJECT,
    ProviderIssuer,
)

from ..mcp.gate_client import LIST, Recorder, bearer, call, tool_call

MCP_URL = "http://mcp.test:9003/mcp"
METADATA = f"{RESOURCE}/.well-known/oauth-protected-resource"
# What docs/providers.md sets for each, beyond INVENTORY_TOKEN_PROFILE.
PROFILE_SETTINGS = {
    "keycloak": {},
    "auth0": {},
    "okta": {"audience": "api://inventory", "mcp_audience": "api://inventory-mcp"},
    "entra": {"audience": ENTRA_API_APP, "mcp_audience": "api://inventory-mcp"},
    "cognito": {},
    "scalekit": {},
    "hydra": {},
    "zitadel": {"audience": ZITADEL_PROJECT, "mcp_audience": "api://inventory-mcp"},
}
RESERVE = "/inventory/WIDGET-1/reservations"


class Inventory:
    """The REST API and the MCP gate on one data dir, configured for one provider."""

    def __init__(self, provider: ProviderIssuer, tmp_path, profile: str | None, **extra: str):
        config = {
            "issuer": provider.issuer,
            "resource": RESOURCE,
            "data_dir": str(tmp_path),
            "jwks_cooldown": "0",
            "mcp_resource": MCP_URL,
            **({"token_profile": profile} if profile else {}),
            **(PROFILE_SETTINGS.get(profile or "", {})),
            **extra,
        }
        self.rest = create_app(config).test_client()
        self.mcp = create_mcp_app(config)
        self.mcp.app = Recorder()
        self.provider = provider

    def mcp_audience(self) -> object:
        settings = PROFILE_SETTINGS[self.provider.shape.name]
        if "mcp_audience" in settings:
            return settings["mcp_audience"]
        return [MCP_URL] if isinstance(self.provider.shape.audience, list) else MCP_URL

    def read(self, token: str) -> int:
        return self.rest.get("/inventory", headers=bearer(token)).status_code

    def reserve(self, token: str, order_id: str):
        return self.rest.post(
            RESERVE, json={"order_id": order_id, "quantity": 1}, headers=bearer(token)
        )


@pytest.fixture(params=sorted(PROFILE_SETTINGS))
def provider(request):
    issuer = ProviderIssuer(request.param)
    yield issuer
    issuer.close()


def test_accepted_for_what_its_scopes_allow_and_403_for_the_rest(provider, tmp_path):
    inventory = Inventory(provider, tmp_path, provider.shape.name)
    reader = provider.access_token("read")
    writer = provider.access_token("read", "write")
    assert inventory.read(reader) == 200
    assert inventory.reserve(writer, "o-1").status_code == 201
    refused = inventory.reserve(reader, "o-2")
    assert refused.status_code == 403
    assert refused.headers["WWW-Authenticate"] == (
        f'Bearer error="insufficient_scope", scope="inventory:write", resource_metadata="{METADATA}"'
    )
    assert refused.get_json()["error"] == "insufficient_scope"


def test_the_mcp_gate_obeys_the_same_profile(provider, tmp_path):
    inventory = Inventory(provider, tmp_path, provider.shape.name)
    audience = inventory.mcp_audience()
    reader = provider.access_token("read", audience=audience)
    status, _, _ = call(inventory.mcp, LIST, bearer(reader))
    assert status == 200
    status, headers, _ = call(
        inventory.mcp,
        tool_call("reserve_stock", sku="WIDGET-1", quantity=1, order_id="m-1"),
        bearer(reader),
    )
    assert status == 403
    assert headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    # A token for the REST API is not one for the MCP server, except with Cognito, whose
    # M2M tokens name no audience at all (docs/providers.md says this is weaker).
    status, headers, _ = call(inventory.mcp, LIST, bearer(provider.access_token("read")))
    if provider.shape.name == "cognito":
        assert status == 200
    else:
        assert status == 401
        assert headers["www-authenticate"].startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize(
    "shape",
    ["keycloak-default", "auth0", "okta", "entra", "cognito", "scalekit", "hydra", "zitadel"],
)
def test_the_default_profile_refuses_the_providers_default_tokens(shape, tmp_path):
    """The issue's "why refused" column: today's rules take none of these shapes."""
    provider = ProviderIssuer(shape)
    try:
        inventory = Inventory(provider, tmp_path, None)
        token = provider.access_token("read", "write")
        resp = inventory.rest.get("/inventory", headers=bearer(token))
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    finally:
        provider.close()


def test_keycloak_with_its_rfc9068_option_and_an_audience_mapper_needs_no_profile(tmp_path):
    provider = ProviderIssuer("keycloak")
    try:
        inventory = Inventory(provider, tmp_path, None)
        assert inventory.read(provider.access_token("read")) == 200
    finally:
        provider.close()


def test_keycloak_without_an_audience_mapper_is_refused_even_with_its_profile(tmp_path):
    provider = ProviderIssuer("keycloak-default")  # typ JWT and no aud for this API
    try:
        inventory = Inventory(provider, tmp_path, "keycloak")
        resp = inventory.rest.get("/inventory", headers=bearer(provider.access_token("read")))
        assert resp.status_code == 401
        assert resp.get_json()["error_description"] == "The token lacks the 'aud' claim."
    finally:
        provider.close()


def test_the_providers_id_tokens_are_refused(provider, tmp_path):
    inventory = Inventory(provider, tmp_path, provider.shape.name)
    for token in (
        provider.id_token(),
        # Even one whose aud names this API: ID-token claims alone are enough to refuse it.
        provider.id_token(aud=inventory_audience(provider)),
    ):
        resp = inventory.rest.get("/inventory", headers=bearer(token))
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def inventory_audience(provider: ProviderIssuer) -> object:
    return PROFILE_SETTINGS[provider.shape.name].get("audience", RESOURCE)
