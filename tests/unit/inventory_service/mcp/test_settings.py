"""INVENTORY_MCP_* settings: required values named in the error, fallbacks to INVENTORY_*."""

from __future__ import annotations

import pytest

from inventory_service.config import ConfigError
from inventory_service.mcp.settings import McpSettings

BASE = {"mcp_resource": "http://127.0.0.1:9003/mcp", "issuer": "http://127.0.0.1:9000"}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("INVENTORY_"):
            monkeypatch.delenv(name)


def test_the_mcp_url_is_required_and_named_in_the_error():
    with pytest.raises(ConfigError, match="INVENTORY_MCP_RESOURCE is required"):
        McpSettings.load({"issuer": BASE["issuer"]})


def test_the_mcp_url_must_have_a_path():
    with pytest.raises(ConfigError, match="INVENTORY_MCP_RESOURCE must name the MCP path"):
        McpSettings.load({**BASE, "mcp_resource": "http://127.0.0.1:9003"})


def test_issuer_and_data_dir_fall_back_to_the_rest_api_settings(monkeypatch):
    monkeypatch.setenv("INVENTORY_ISSUER", "http://as.example")
    monkeypatch.setenv("INVENTORY_DATA_DIR", "/srv/inventory")
    settings = McpSettings.load({"mcp_resource": BASE["mcp_resource"]})
    assert settings.issuer == "http://as.example"
    assert str(settings.data_dir) == "/srv/inventory"


def test_an_mcp_specific_issuer_wins_over_the_rest_one():
    settings = McpSettings.load({**BASE, "mcp_issuer": "http://other-as"})
    assert settings.issuer == "http://other-as"


def test_defaults_port_9003_and_the_allowed_host_of_the_mcp_url():
    settings = McpSettings.load(BASE)
    assert settings.port == 9003
    assert settings.allowed_hosts == ("127.0.0.1:9003",)
    assert settings.resource_metadata_url == (
        "http://127.0.0.1:9003/.well-known/oauth-protected-resource/mcp"
    )


def test_allowed_hosts_are_a_comma_separated_list():
    settings = McpSettings.load({**BASE, "mcp_allowed_hosts": "mcp:9003, localhost:9003"})
    assert settings.allowed_hosts == ("mcp:9003", "localhost:9003")


def test_a_bad_port_is_named():
    with pytest.raises(ConfigError, match="INVENTORY_MCP_PORT"):
        McpSettings.load({**BASE, "mcp_port": "http"})


def test_a_missing_issuer_names_both_variables():
    with pytest.raises(ConfigError, match=r"INVENTORY_MCP_ISSUER \(or INVENTORY_ISSUER\)"):
        McpSettings.load({"mcp_resource": BASE["mcp_resource"]})


@pytest.mark.parametrize(
    ("removed", "shared"),
    [
        ("MCP_JWT_LEEWAY", "JWT_LEEWAY"),
        ("MCP_JWKS_COOLDOWN", "JWKS_COOLDOWN"),
        ("MCP_TOKEN_CACHE_SIZE", "TOKEN_CACHE_SIZE"),
    ],
)
def test_an_mcp_only_copy_of_a_token_policy_setting_is_refused(removed, shared):
    with pytest.raises(ConfigError, match=f"INVENTORY_{shared} for both"):
        McpSettings.load({**BASE, removed.lower(): "5"})


def test_one_process_by_default_and_the_worker_count_is_named_when_bad():
    assert McpSettings.load(BASE).workers == 1
    assert McpSettings.load({**BASE, "mcp_workers": "2"}).workers == 2
    with pytest.raises(ConfigError, match="INVENTORY_MCP_WORKERS"):
        McpSettings.load({**BASE, "mcp_workers": "0"})
