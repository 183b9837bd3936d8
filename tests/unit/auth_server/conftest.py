from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import quote

import pytest
from flask.testing import FlaskCliRunner

from auth_server import create_app
from auth_server.clients import Registry

ISSUER = "http://as.test"
RESOURCE = "http://inventory.test"
OTHER_RESOURCE = "http://reports.test"
ADMIN_TOKEN = "admin-" + "x" * 40


@pytest.fixture
def settings(tmp_path):
    return {
        "issuer": ISSUER,
        "data_dir": str(tmp_path),
        "admin_token": ADMIN_TOKEN,
        "registration_resources": f"{RESOURCE} {OTHER_RESOURCE}",
    }


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def http(app):
    return app.test_client()


class Clients:
    """Registers clients straight in the registry, as `flask clients create` would."""

    def __init__(self, app):
        self.app = app
        settings = app.extensions["auth_settings"]
        self.registry = Registry(app.extensions["auth_store"], settings.scopes)

    def create(self, scope="inventory:read inventory:write", resources=(RESOURCE,), **kw):
        client_id = kw.pop("client_id", None) or f"client-{uuid.uuid4().hex[:8]}"
        record, secret = self.registry.create(client_id, scope.split(), list(resources), **kw)
        return record.client_id, secret


@pytest.fixture
def clients(app):
    return Clients(app)


def basic(client_id: str, secret: str) -> dict[str, str]:
    """RFC 6749 §2.3.1: form-urlencode each part, then Basic."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def token_request(http, client_id, secret, **params):
    data = {"grant_type": "client_credentials", **params}
    return http.post("/oauth/token", data=data, headers=basic(client_id, secret))


def decode_part(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def cli(app, *args):
    """Run an admin command in-process, as ``flask --app auth_server ...`` would."""
    return FlaskCliRunner(app).invoke(args=list(args))


def published_kids(http) -> list[str]:
    """The ``kid`` of every key in the JWKS, in its order."""
    return [k["kid"] for k in http.get("/.well-known/jwks.json").get_json()["keys"]]


def assert_invalid_client(resp):
    """RFC 6749 §5.2: 401 ``invalid_client`` with a Basic challenge, never cached."""
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_client"
    assert resp.headers["WWW-Authenticate"].startswith("Basic ")
    assert resp.headers["Cache-Control"] == "no-store"


def assert_oauth_error(resp, status, error):
    """RFC 6749 §5.2 JSON with ``no-store``, and no trace in the body."""
    assert resp.status_code == status, resp.data[:300]
    assert resp.mimetype == "application/json"
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["error"] == error
    assert "Traceback" not in resp.get_data(as_text=True)


@pytest.fixture
def creds(clients):
    """Basic credentials of a fresh client."""
    return basic(*clients.create())
