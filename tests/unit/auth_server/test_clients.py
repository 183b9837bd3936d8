"""The client registry: secrets stored as hashes, rotation, usable registered keys."""

from __future__ import annotations

import sqlite3

import pytest
from joserfc.jwk import ECKey

from auth_server.clients import RegistryError

from .conftest import assert_invalid_client, token_request


def test_secret_is_stored_only_as_a_hash(app, clients):
    client_id, secret = clients.create()
    assert len(secret) >= 43  # 32 random bytes, base64url
    db = sqlite3.connect(app.extensions["auth_store"].path)
    dump = "\n".join(db.iterdump())
    assert client_id in dump
    assert secret not in dump


def test_rotated_secret_replaces_the_old_one(http, clients):
    client_id, old = clients.create()
    new = clients.registry.rotate_secret(client_id)
    assert_invalid_client(token_request(http, client_id, old))
    assert token_request(http, client_id, new).status_code == 200


def test_a_private_key_in_a_registered_jwks_is_refused(clients):
    private = ECKey.generate_key("P-256").as_dict(private=True)
    with pytest.raises(RegistryError, match="public keys"):
        clients.create(auth_method="private_key_jwt", jwks={"keys": [private]})
