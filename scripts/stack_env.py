"""Each service's environment in the local stack: ports, data dirs, demo credentials.

The demo starts in phase 0 (Inventory in ``api_key`` mode, Order on its key) with a sunset
date set, so every later phase is a change a participant can see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .bootstrap import write_private

if TYPE_CHECKING:
    from .local_stack import LocalStack

SUNSET = "2027-06-30"


def service_env(stack: LocalStack, package: str, order_auth: str) -> dict[str, str]:
    """The environment ``package`` starts with in the local stack (before ``extra_env``)."""
    creds = stack.credentials()
    issuer, resource = stack.issuer, stack.resource
    data = str(stack.state / package)
    if package == "auth_server":
        return {
            "AUTH_ISSUER": issuer,
            "AUTH_PORT": str(stack.ports[package]),
            "AUTH_DATA_DIR": data,
            "AUTH_WORKERS": str(stack.workers),
            "AUTH_ADMIN_TOKEN": creds["admin_token"],
        }
    if package == "inventory_service":
        return {
            "INVENTORY_ISSUER": issuer,
            "INVENTORY_PORT": str(stack.ports[package]),
            "INVENTORY_RESOURCE": resource,
            "INVENTORY_DATA_DIR": data,
            "INVENTORY_WORKERS": str(stack.workers),
            "INVENTORY_AUTH_MODE": "api_key",
            "INVENTORY_API_KEY_SUNSET": SUNSET,
            "INVENTORY_DASHBOARD_PUBLIC": "1",
            **_introspection_client(creds),
        }
    if package == "inventory_service.mcp":
        return {
            "INVENTORY_ISSUER": issuer,
            "INVENTORY_DATA_DIR": str(stack.state / "inventory_service"),
            "INVENTORY_MCP_RESOURCE": stack.mcp_resource,
            "INVENTORY_MCP_PORT": str(stack.ports[package]),
        }
    secret_file = stack.state / "order-client-secret"
    write_private(secret_file, creds["client_secrets"]["order-service"])
    return {
        "ORDER_INVENTORY_URL": stack.urls["inventory_service"],
        "ORDER_PORT": str(stack.ports[package]),
        "ORDER_DATA_DIR": data,
        "ORDER_WORKERS": str(stack.workers),
        "ORDER_AUTH": order_auth,
        "ORDER_API_KEY": creds["api_keys"]["order-service"],
        "ORDER_ISSUER": issuer,
        "ORDER_CLIENT_ID": "order-service",
        "ORDER_CLIENT_SECRET_FILE": str(secret_file),
        "ORDER_RESOURCE": resource,
        "ORDER_SCOPE": "inventory:write",
    }


def _introspection_client(creds: dict) -> dict[str, str]:
    """Inventory introspects admin tokens as its own client, once that client exists."""
    secret = creds.get("client_secrets", {}).get("inventory-service")
    if not secret:  # during bootstrap, before the AS client is created
        return {}
    return {"INVENTORY_CLIENT_ID": "inventory-service", "INVENTORY_CLIENT_SECRET": secret}
