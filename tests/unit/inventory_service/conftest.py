"""Fixtures for the Inventory unit tests: a third-party test issuer, settings, the app."""

from __future__ import annotations

import pytest

from inventory_service import create_app
from tests.support.issuer import TestIssuer

from .api_client import INTROSPECTION_CLIENT, RESOURCE, Api


@pytest.fixture
def issuer():
    issuer = TestIssuer()
    issuer.introspectors[INTROSPECTION_CLIENT[0]] = INTROSPECTION_CLIENT[1]
    yield issuer
    issuer.close()


@pytest.fixture
def settings(tmp_path, issuer):
    return {
        "issuer": issuer.issuer,
        "resource": RESOURCE,
        "data_dir": str(tmp_path),
        "auth_mode": "dual",
        "jwks_cooldown": "0",
        "client_id": INTROSPECTION_CLIENT[0],
        "client_secret": INTROSPECTION_CLIENT[1],
    }


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def http(app):
    return app.test_client()


@pytest.fixture
def api(app, issuer):
    return Api(app, issuer)
