"""Fault experiments reuse the integration tier's process fixtures (real gunicorn services)."""

from tests.integration.conftest import (  # noqa: F401 - fixtures, found by name
    _services,
    auth_server_factory,
    inventory_factory,
    order_factory,
)
