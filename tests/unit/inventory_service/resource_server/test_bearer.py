"""RFC 6750 §2.1: a Bearer header that carries no b64token is invalid_request."""

from __future__ import annotations

import pytest

from ..api_client import METADATA_URL


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer a b", "Bearer <token>", "Bearer \u00e9\u00e9", "Bearer  "],
)
def test_malformed_authorization_headers_are_invalid_request(api, header):
    resp = api.get("/inventory", headers={"Authorization": header})
    assert resp.status_code in (400, 401)
    if resp.status_code == 400:
        assert (
            resp.headers["WWW-Authenticate"]
            == f'Bearer error="invalid_request", resource_metadata="{METADATA_URL}"'
        )
    else:  # "Bearer" alone carries no token: treated as no credentials
        assert resp.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{METADATA_URL}"'
