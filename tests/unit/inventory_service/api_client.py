"""A small client for the Inventory app under test, so HTTP details stay out of test bodies."""

from __future__ import annotations

import json

from flask.testing import FlaskCliRunner

RESOURCE = "http://inventory.test"
METADATA_URL = f"{RESOURCE}/.well-known/oauth-protected-resource"
INVALID_TOKEN = f'Bearer error="invalid_token", resource_metadata="{METADATA_URL}"'
INTROSPECTION_CLIENT = ("inventory-service", "introspection-secret")


class Api:
    """HTTP details out of test bodies: who calls, with what."""

    def __init__(self, app, issuer):
        self.app = app
        self.http = app.test_client()
        self.issuer = issuer

    def token(self, scope="inventory:read inventory:write", client_id="order-service", **claims):
        return self.issuer.mint(RESOURCE, scope=scope, client_id=client_id, sub=client_id, **claims)

    def api_key(self, client_id="reporting-job", scope="inventory:read inventory:write"):
        out = FlaskCliRunner(self.app).invoke(
            args=["api-keys", "create", client_id, "--scope", scope]
        )
        assert out.exit_code == 0, out.output
        return json.loads(out.output)["api_key"]

    def get(self, path, token=None, key=None, headers=None):
        return self.http.get(path, headers=self._headers(token, key, headers))

    def post(self, path, body, token=None, key=None):
        return self.http.post(path, json=body, headers=self._headers(token, key))

    def put(self, path, body, token=None, key=None):
        return self.http.put(path, json=body, headers=self._headers(token, key))

    def admin_token(self):
        return self.token(scope="inventory:admin", client_id="platform-admin")

    def set_mode(self, mode, client_id=None):
        path = f"/admin/clients/{client_id}/auth-mode" if client_id else "/admin/auth-mode"
        resp = self.put(path, {"mode": mode}, token=self.admin_token())
        assert resp.status_code == 200, resp.get_json()
        return resp

    @staticmethod
    def _headers(token, key, extra=None):
        headers = dict(extra or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if key:
            headers["X-API-Key"] = key
        return headers


def assert_invalid_token(resp) -> None:
    """RFC 6750 §3.1 ``invalid_token``, with the exact challenge."""
    assert resp.status_code == 401, resp.get_json()
    assert resp.headers["WWW-Authenticate"] == INVALID_TOKEN
    assert resp.get_json()["error"] == "invalid_token"
