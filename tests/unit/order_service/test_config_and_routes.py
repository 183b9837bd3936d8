"""Order settings fail clearly; bad order bodies never reach Inventory."""

import re

import pytest

from order_service import create_app
from order_service.config import ConfigError, Settings

BASE = {"inventory_url": "http://127.0.0.1:9", "auth": "api_key", "api_key": "ik_a_b"}


@pytest.mark.parametrize(
    "override, message",
    [
        ({"auth": "magic"}, "ORDER_AUTH must be api_key or oauth"),
        ({"api_key": None}, "ORDER_API_KEY (or ORDER_API_KEY_FILE) is required"),
        ({"inventory_url": None}, "ORDER_INVENTORY_URL is required"),
        ({"auth": "oauth", "client_id": None}, "ORDER_CLIENT_ID is required"),
        (
            {
                "auth": "oauth",
                "client_id": "c",
                "issuer": "http://as",
                "resource": "http://r",
                "scope": "s",
            },
            "ORDER_CLIENT_SECRET, ORDER_CLIENT_SECRET_FILE or ORDER_CLIENT_KEY_FILE",
        ),
        (
            {
                "auth": "oauth",
                "client_id": "c",
                "client_secret": "x",
                "issuer": "http://as",
                "resource": "http://r",
            },
            "ORDER_SCOPE is required",
        ),
        (
            {
                "auth": "oauth",
                "client_id": "c",
                "client_secret_file": "/nope",
                "issuer": "http://as",
                "resource": "http://r",
                "scope": "s",
            },
            "ORDER_CLIENT_SECRET_FILE names a file that cannot be read",
        ),
    ],
)
def test_bad_settings_name_the_variable(tmp_path, override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Settings.load({**BASE, "data_dir": str(tmp_path), **override})


def test_the_client_secret_can_come_from_a_file_and_is_never_in_repr(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cr3t-value\n")
    settings = Settings.load(
        {"inventory_url": "http://inv", "auth": "oauth", "client_id": "order-service", "client_secret_file": str(secret_file),
         "issuer": "http://as", "resource": "http://inv", "scope": "inventory:write", "data_dir": str(tmp_path)}
    )  # fmt: skip
    assert settings.oauth.client_secret == "s3cr3t-value"
    assert "s3cr3t" not in repr(settings) and "s3cr3t" not in repr(settings.oauth)


@pytest.mark.parametrize(
    "body, status",
    [
        ("nope", 400),
        ("[]", 400),
        ('{"sku": "A"}', 422),
        ('{"sku": "", "quantity": 1}', 422),
        ('{"sku": "A", "quantity": 0}', 422),
        ('{"sku": "A", "quantity": true}', 422),
    ],
)
def test_bad_order_bodies_are_problems(tmp_path, body, status):
    http = create_app({**BASE, "data_dir": str(tmp_path)}).test_client()
    resp = http.post("/orders", data=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"


def test_an_unknown_order_is_404(tmp_path):
    resp = create_app({**BASE, "data_dir": str(tmp_path)}).test_client().get("/orders/ord_nope")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
