"""Each Flask service's edge: where it may listen, whose address it believes, which Host it
answers for (``service_kit/edge.py``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import auth_server
import inventory_service
import order_service
from auth_server.config import Settings as AuthSettings
from inventory_service.config import Settings as InventorySettings
from order_service.config import Settings as OrderSettings
from service_kit.edge import EdgeSettings
from service_kit.settings import ConfigError, Environment

AUTH = {"issuer": "https://auth.example:8443"}
INVENTORY = {"issuer": "https://auth.example:8443", "resource": "https://inventory.example"}
ORDER = {"inventory_url": "http://127.0.0.1:1", "auth": "api_key", "api_key": "ik_a_b"}
SERVICES = [
    pytest.param(AuthSettings, AUTH, "AUTH_", id="auth"),
    pytest.param(InventorySettings, INVENTORY, "INVENTORY_", id="inventory"),
    pytest.param(OrderSettings, ORDER, "ORDER_", id="order"),
]


@pytest.mark.parametrize(("settings", "config", "prefix"), SERVICES)
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "inventory.internal"])
def test_a_service_reached_directly_refuses_to_listen_beyond_loopback(
    settings, config, prefix, host
):
    with pytest.raises(ConfigError) as refused:
        settings.load({**config, "host": host})
    assert f"{prefix}HOST={host} would listen beyond loopback" in str(refused.value)
    assert f"{prefix}TRUSTED_PROXIES=1" in str(refused.value)


@pytest.mark.parametrize(("settings", "config", "prefix"), SERVICES)
def test_a_service_behind_a_proxy_may_listen_anywhere(settings, config, prefix):
    assert settings.load({**config, "host": "0.0.0.0", "trusted_proxies": "1"}).host == "0.0.0.0"


@pytest.mark.parametrize(("settings", "config", "prefix"), SERVICES)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_proxy(settings, config, prefix, host):
    assert settings.load({**config, "host": host}).edge.trusted_proxies == 0


def test_trusted_proxies_is_a_small_whole_number():
    with pytest.raises(ConfigError, match="AUTH_TRUSTED_PROXIES must be a whole number"):
        AuthSettings.load({**AUTH, "trusted_proxies": "yes"})


def _edge(**raw) -> EdgeSettings:
    return EdgeSettings.load(Environment("KIT_", raw), public_urls=["https://auth.example:8443"])


@pytest.mark.parametrize(
    ("host", "scheme", "allowed"),
    [
        ("auth.example:8443", "https", True),
        ("AUTH.example:8443", "https", True),
        ("auth.example", "https", False),  # 443, not the configured 8443
        ("auth.example:9000", "http", False),
        ("localhost:9000", "http", True),
        ("127.0.0.1", "http", True),
        ("[::1]:9000", "http", True),
        ("evil.example:9000", "http", False),  # a DNS-rebinding page's own name
        ("127.0.0.1.evil.example", "http", False),
        ("user@127.0.0.1", "http", False),
        ("", "http", False),
    ],
)
def test_the_host_allow_list(host, scheme, allowed):
    assert _edge().allows(host, scheme) is allowed


def test_allowed_hosts_adds_names_with_a_port_or_any_port():
    edge = _edge(allowed_hosts="order.localhost:8445, shop.example:*")
    assert edge.allows("order.localhost:8445")
    assert not edge.allows("order.localhost:8446")
    assert edge.allows("shop.example:1234") and edge.allows("shop.example", "https")


def test_a_malformed_allowed_host_is_a_config_error():
    with pytest.raises(ConfigError, match="KIT_ALLOWED_HOSTS entries"):
        _edge(allowed_hosts="http://x/")


@pytest.fixture
def apps(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    return {
        "auth": auth_server.create_app({**AUTH, "data_dir": str(tmp_path / "a")}),
        "inventory": inventory_service.create_app(
            {**INVENTORY, "data_dir": str(tmp_path / "i"), "dashboard_public": "1"}
        ),
        "order": order_service.create_app(
            {**ORDER, "data_dir": str(tmp_path / "o"), "reconcile_interval": 0}
        ),
    }


@pytest.mark.parametrize("name", ["auth", "inventory", "order"])
@pytest.mark.parametrize("path", ["/metrics", "/healthz"])
def test_a_dns_rebinding_page_cannot_read_a_service(apps, name, path):
    http = apps[name].test_client()
    assert http.get(path, base_url="http://127.0.0.1:9000").status_code == 200
    refused = http.get(path, base_url="http://rebind.evil.example:9000")
    assert refused.status_code == 421
    assert b"rebind.evil.example" in refused.data


def test_the_public_dashboard_answers_only_for_the_configured_names(apps):
    http = apps["inventory"].test_client()
    assert http.get("/admin/dashboard", base_url="https://inventory.example").status_code == 200
    refused = http.get("/admin/dashboard", base_url="http://rebind.evil.example:9001")
    assert refused.status_code == 421


@pytest.mark.parametrize(
    ("package", "env"),
    [
        ("auth_server", {"AUTH_ISSUER": "http://127.0.0.1:9000", "AUTH_HOST": "0.0.0.0"}),
        (
            "inventory_service",
            {
                "INVENTORY_ISSUER": "http://127.0.0.1:9000",
                "INVENTORY_RESOURCE": "http://127.0.0.1:9001",
                "INVENTORY_HOST": "0.0.0.0",
            },
        ),
        (
            "order_service",
            {
                "ORDER_INVENTORY_URL": "http://127.0.0.1:9001",
                "ORDER_API_KEY": "ik_a_b",
                "ORDER_HOST": "0.0.0.0",
            },
        ),
    ],
)
def test_python_m_refuses_to_start_beyond_loopback_without_a_proxy(package, env, tmp_path):
    prefix = package.split("_")[0].upper()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(f"{prefix}_")}
    env = {**clean, **env, f"{prefix}_DATA_DIR": str(tmp_path)}
    started = subprocess.run(
        [sys.executable, "-m", package], env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode != 0
    assert f"{prefix}_HOST=0.0.0.0 would listen beyond loopback" in started.stderr
