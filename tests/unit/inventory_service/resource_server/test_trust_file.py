"""The issuers file followed while serving: edits in force at once, caches kept, bad edits ignored."""

from __future__ import annotations

import os

import pytest

from inventory_service import create_app
from tests.support.issuer import TestIssuer

from ..mcp.gate_client import bearer

RESOURCE = "http://inventory.test"
UNTRUSTED = "The token comes from an issuer this API does not trust."


@pytest.fixture
def issuers():
    started = [TestIssuer(), TestIssuer()]
    yield started
    for issuer in started:
        issuer.close()


def write(path, *issuers: TestIssuer) -> None:
    draft = path.with_suffix(".draft")
    draft.write_text("".join(f'[[issuer]]\nurl = "{i.issuer}"\n' for i in issuers))
    os.replace(draft, path)


def app_on(tmp_path, *issuers: TestIssuer):
    trust = tmp_path / "issuers.toml"
    write(trust, *issuers)
    config = {"resource": RESOURCE, "data_dir": str(tmp_path / "data"), "issuers_file": str(trust)}
    return create_app(config), trust


def test_an_issuer_added_to_the_file_is_trusted_without_a_restart(tmp_path, issuers):
    old, new = issuers
    app, trust = app_on(tmp_path, old)
    http = app.test_client()
    assert http.get("/inventory", headers=bearer(new.mint(RESOURCE))).status_code == 401
    write(trust, old, new)
    assert http.get("/inventory", headers=bearer(new.mint(RESOURCE))).status_code == 200
    meta = http.get("/.well-known/oauth-protected-resource").get_json()
    assert meta["authorization_servers"] == [old.issuer, new.issuer]


def test_a_dropped_issuers_cached_token_is_refused_at_once(tmp_path, issuers):
    old, new = issuers
    app, trust = app_on(tmp_path, old, new)
    http = app.test_client()
    token = old.mint(RESOURCE)
    assert http.get("/inventory", headers=bearer(token)).status_code == 200  # now cached
    write(trust, new)
    refused = http.get("/inventory", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json()["error_description"] == UNTRUSTED


def test_an_unchanged_issuer_keeps_its_jwks_across_an_edit(tmp_path, issuers):
    old, new = issuers
    app, trust = app_on(tmp_path, old, new)
    http = app.test_client()
    assert http.get("/inventory", headers=bearer(new.mint(RESOURCE))).status_code == 200
    fetches = new.jwks_fetches
    write(trust, new)
    assert http.get("/inventory", headers=bearer(new.mint(RESOURCE))).status_code == 200
    assert new.jwks_fetches == fetches


def test_an_edit_that_does_not_check_keeps_the_last_good_issuers(tmp_path, issuers, caplog):
    old, new = issuers
    app, trust = app_on(tmp_path, old, new)
    http = app.test_client()
    trust.write_text('[[issuer]]\nurl = "http://a.test"\nprofile = "keycloack"\n')
    assert http.get("/inventory", headers=bearer(old.mint(RESOURCE))).status_code == 200
    assert "still trusting" in caplog.text
    trust.unlink()
    assert http.get("/inventory", headers=bearer(new.mint(RESOURCE))).status_code == 200
