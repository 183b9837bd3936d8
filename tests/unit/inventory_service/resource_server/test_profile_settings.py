"""Token-profile settings and the issuers file: defaults, overrides, and bad input named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from inventory_service.config import Settings
from inventory_service.mcp.settings import McpSettings
from inventory_service.resource_server.policy import TokenPolicy
from inventory_service.resource_server.profiles import AdminVerification
from service_kit.settings import ConfigError

RESOURCE = "http://inventory.test"
MCP_URL = "http://mcp.test:9003/mcp"
BASE = {"issuer": "http://as.test", "resource": RESOURCE, "mcp_resource": MCP_URL}


def policy(**settings: str) -> TokenPolicy:
    return Settings.load({**BASE, **settings}).token_policy


def test_no_setting_is_todays_rfc9068_policy():
    assert policy() == TokenPolicy(issuer="http://as.test", audience=RESOURCE)


def test_a_profile_names_defaults_and_each_setting_overrides_one():
    okta = policy(token_profile="okta", audience="api://inventory")
    assert okta.token_types == ("none", "jwt")
    assert okta.client_id_claims == ("cid", "client_id")
    assert okta.scope_claims == ("scp",)
    assert okta.accepted_audiences == ("api://inventory",)
    tuned = policy(token_profile="okta", scope_claims="scp,scope", token_types="JWT")
    assert tuned.scope_claims == ("scp", "scope")
    assert tuned.token_types == ("jwt",)
    assert tuned.client_id_claims == okta.client_id_claims


def test_required_claims_never_lose_iss_exp_iat_or_aud():
    weakened = policy(token_profile="auth0", required_claims="sub")
    assert set(weakened.required_claims) == {"sub", "iss", "exp", "iat", "aud"}
    cognito = policy(token_profile="cognito", required_claims="sub")
    assert "aud" not in cognito.required_claims  # Cognito M2M tokens carry none


def test_maps_and_aliases_read_as_pairs():
    entra = policy(
        token_profile="entra",
        scope_map="Stock.Read=inventory:read, Stock.Write=inventory:write",
        client_aliases="0b6f5c1e=order-service",
    )
    assert entra.scope_map == (("Stock.Read", "inventory:read"), ("Stock.Write", "inventory:write"))
    assert entra.aliases == {"0b6f5c1e": "order-service"}
    assert entra.admin_verification is AdminVerification.JWT


def test_rest_and_mcp_share_the_profile_and_differ_in_audience():
    config = {**BASE, "token_profile": "entra", "audience": "rest-guid", "mcp_audience": "mcp-guid"}
    rest, mcp = Settings.load(config).token_policy, McpSettings.load(config).token_policy
    assert rest.accepted_audiences == ("rest-guid",)
    assert mcp.accepted_audiences == ("mcp-guid",)
    assert mcp == replace(rest, audience=MCP_URL, audiences=("mcp-guid",))


@pytest.mark.parametrize(
    ("setting", "value", "variable"),
    [
        ("token_profile", "keycloack", "INVENTORY_TOKEN_PROFILE"),
        ("scope_map", "inventory/read", "INVENTORY_SCOPE_MAP"),
        ("scope_map", "inventory/read=", "INVENTORY_SCOPE_MAP"),
        ("client_aliases", "guid:order-service", "INVENTORY_CLIENT_ALIASES"),
        ("client_id_claims", "azp,,cid", "INVENTORY_CLIENT_ID_CLAIMS"),
        ("admin_verification", "none", "INVENTORY_ADMIN_VERIFICATION"),
        ("admin_max_token_lifetime", "5m", "INVENTORY_ADMIN_MAX_TOKEN_LIFETIME"),
        ("jwks_uri", "keys.json", "INVENTORY_JWKS_URI"),
        ("introspection_endpoint", "ftp://as/introspect", "INVENTORY_INTROSPECTION_ENDPOINT"),
    ],
)
def test_bad_input_is_a_config_error_naming_the_variable(setting, value, variable):
    with pytest.raises(ConfigError, match=variable):
        policy(**{setting: value})


def issuers_file(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "issuers.toml"
    path.write_text(text)
    return {"resource": RESOURCE, "mcp_resource": MCP_URL, "issuers_file": str(path)}


def test_the_issuers_file_trusts_several_issuers_each_with_its_profile(tmp_path):
    config = issuers_file(
        tmp_path,
        """
[[issuer]]
url = "http://127.0.0.1:9000"

[[issuer]]
url = "https://keycloak.example/realms/demo"
profile = "keycloak"
scope_claims = ["scope", "scp"]
client_aliases = { "order-service-kc" = "order-service" }

[[issuer]]
url = "https://login.example/tenant/v2.0"
profile = "entra"
audience = "6e74172b"
mcp_audience = ["api://inventory-mcp"]
scope_map = "Stock.Read=inventory:read"
""",
    )
    settings = Settings.load(config)
    ours, keycloak, entra = settings.token_policies
    assert settings.issuers == [ours.issuer, keycloak.issuer, entra.issuer]
    assert ours == TokenPolicy(issuer="http://127.0.0.1:9000", audience=RESOURCE)
    assert keycloak.scope_claims == ("scope", "scp")
    assert keycloak.aliases == {"order-service-kc": "order-service"}
    assert entra.accepted_audiences == ("6e74172b",)
    assert entra.scope_map == (("Stock.Read", "inventory:read"),)
    mcp = McpSettings.load(config)
    assert [p.issuer for p in mcp.token_policies] == settings.issuers
    assert mcp.token_policies[2].accepted_audiences == ("api://inventory-mcp",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[issuer]]\nurl = "http://a"\nprofil = "okta"\n', r"#1: unknown setting profil"),
        ('[[issuer]]\nurl = "http://a"\n[[issuer]]\nurl = "http://a"\n', r"#2: issuer .* twice"),
        ('[[issuer]]\nprofile = "okta"\n', r"#1: url must be"),
        ('[[issuer]]\nurl = "http://a"\nprofile = "okt"\n', r"#1 profile must be one of"),
        ('[[issuer]]\nurl = "http://a"\nscope_map = 3\n', r"#1 scope_map must be"),
        ('issuer = "http://a"\n', r"INVENTORY_ISSUERS_FILE must hold one or more \[\[issuer\]\]"),
        ("[[issuer]\n", r"INVENTORY_ISSUERS_FILE is not valid TOML"),
    ],
)
def test_a_bad_issuers_file_names_the_file_the_table_and_the_setting(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load(issuers_file(tmp_path, text))


def test_a_missing_issuers_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="INVENTORY_ISSUERS_FILE names a file that cannot"):
        Settings.load({"resource": RESOURCE, "issuers_file": str(tmp_path / "nope.toml")})


def test_inventory_issuer_beside_the_file_must_be_one_of_its_issuers(tmp_path):
    config = issuers_file(tmp_path, '[[issuer]]\nurl = "http://a.test"\n')
    assert Settings.load({**config, "issuer": "http://a.test"}).issuers == ["http://a.test"]
    with pytest.raises(ConfigError, match=r"INVENTORY_ISSUER='http://b\.test' is not in"):
        Settings.load({**config, "issuer": "http://b.test"})
