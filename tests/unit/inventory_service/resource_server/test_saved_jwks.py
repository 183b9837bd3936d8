"""The last good JWKS on disk, and "cannot check now" told apart from "bad token".

A worker that boots while the AS is down starts with the keys its siblings saved; a token
whose key is unknown while the JWKS cannot be fetched is answered 503 with ``Retry-After``,
never 401 ``invalid_token``; a key that left the JWKS on a successful fetch does not come
back from the saved copy.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from inventory_service import create_app
from inventory_service.resource_server.saved_jwks import SavedJwks

from ..api_client import Api


def _saved_files(settings) -> list[Path]:
    return sorted((Path(settings["data_dir"]) / "jwks").glob("*.json"))


def test_an_unknown_kid_while_the_jwks_cannot_be_fetched_is_503_with_retry_after(api, issuer):
    assert api.get("/inventory", token=api.token()).status_code == 200
    issuer.failing = True
    issuer.rotate()
    resp = api.get("/inventory", token=api.token())
    assert resp.status_code == 503
    assert resp.content_type == "application/problem+json"
    assert int(resp.headers["Retry-After"]) >= 1
    assert "WWW-Authenticate" not in resp.headers
    assert resp.get_json()["title"] == "Cannot check the token now"


def test_an_unknown_kid_in_a_jwks_just_served_is_still_invalid_token(api, issuer):
    from cryptography.hazmat.primitives.asymmetric import ec

    from ..api_client import INVALID_TOKEN, RESOURCE

    assert api.get("/inventory", token=api.token()).status_code == 200
    forged = issuer.mint(
        RESOURCE, headers={"kid": "forged"}, key=ec.generate_private_key(ec.SECP256R1())
    )
    resp = api.get("/inventory", token=forged)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == INVALID_TOKEN


def test_a_worker_that_boots_while_the_as_is_down_uses_the_saved_jwks(settings, issuer):
    first = Api(create_app(settings), issuer)
    token = first.token()
    assert first.get("/inventory", token=token).status_code == 200
    issuer.failing = True
    booted = Api(create_app(settings), issuer)  # same data dir: a new worker or a restart
    assert booted.get("/inventory", token=token).status_code == 200
    assert booted.get("/inventory", token=booted.token()).status_code == 200


def test_the_saved_jwks_is_0600_and_holds_public_keys_only(api, issuer, settings):
    assert api.get("/inventory", token=api.token()).status_code == 200
    [saved] = _saved_files(settings)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    document = json.loads(saved.read_text())
    assert [k["kid"] for k in document["keys"]] == [issuer.kid]
    assert not any({"d", "p", "q"} & set(key) for key in document["keys"])


def test_a_key_that_left_the_jwks_does_not_come_back_from_the_saved_copy(settings, issuer):
    first = Api(create_app(settings), issuer)
    old_kid, old_token = issuer.kid, first.token()
    assert first.get("/inventory", token=old_token).status_code == 200
    issuer.rotate()
    issuer.drop_key(old_kid)
    assert first.get("/inventory", token=first.token()).status_code == 200  # saves new set
    issuer.failing = True
    booted = Api(create_app(settings), issuer)
    assert booted.get("/inventory", token=old_token).status_code != 200
    assert booted.get("/inventory", token=booted.token()).status_code == 200
    [saved] = _saved_files(settings)
    assert old_kid not in saved.read_text()


def test_an_older_fetch_never_overwrites_a_newer_saved_copy(tmp_path):
    saved = SavedJwks(tmp_path, "https://as.test")
    saved.save([{"kty": "EC", "kid": "new"}], fetched_at=200.0)
    saved.save([{"kty": "EC", "kid": "withdrawn"}], fetched_at=100.0)  # began before
    copy = saved.load()
    assert copy is not None
    assert [k["kid"] for k in copy.keys] == ["new"]


def test_a_saved_copy_for_another_issuer_is_ignored(tmp_path):
    SavedJwks(tmp_path, "https://as.test").save([{"kty": "EC", "kid": "a"}], fetched_at=1.0)
    other = SavedJwks(tmp_path, "https://as.test")
    other.issuer = "https://other.test"
    assert other.load() is None
