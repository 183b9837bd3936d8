"""Every AS store against both engines, opened as two replicas of the AS would open them.

SQLite replicas share one data dir; PostgreSQL replicas share one database through separate
pools. Either way a disabled client, a spent assertion, a revoked token, a rotated or revoked
key and the failed-authentication budget hold on the other replica at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from cryptography.fernet import Fernet

from auth_server.config import Settings
from auth_server.storage.backends import Storage, open_storage
from auth_server.storage.interfaces import ClientRecord
from auth_server.storage.postgres import PostgresStore
from auth_server.storage.postgres_budget import PostgresFailureBudget
from auth_server.storage.schema import POSTGRES_SCHEMA
from service_kit.postgres import PostgresDatabase
from service_kit.settings import ConfigError

KEY = Fernet.generate_key().decode()


@pytest.fixture(params=["sqlite", "postgres"])
def config(request, tmp_path) -> dict[str, str]:
    config = {"issuer": "http://as.test", "data_dir": str(tmp_path), "token_ttl": "60"}
    if request.param == "postgres":
        config |= {
            "database_url": request.getfixturevalue("postgres_url"),
            "key_encryption_key": KEY,
        }
    return config


@pytest.fixture
def replicas(config) -> Iterator[tuple[Storage, Storage]]:
    a = open_storage(Settings.load(config))
    a.keys.ensure_signing_key()
    b = open_storage(Settings.load(config))
    b.keys.ensure_signing_key()
    yield a, b
    for replica in (a, b):  # each PostgreSQL replica's pool; left to the collector, it warns
        if isinstance(replica.store, PostgresStore):
            replica.store.db.close()


def _client(client_id: str = "order-service") -> ClientRecord:
    return ClientRecord(
        client_id,
        "hash-1",
        ("inventory:read",),
        ("http://inv.test",),
        None,
        "client_secret_basic",
        None,
        False,
        int(time.time()),
    )


def test_a_client_added_disabled_or_rotated_on_one_replica_is_seen_by_the_other(replicas):
    a, b = replicas
    assert a.store.add_client(_client())
    assert not b.store.add_client(_client())  # the id is taken, nothing overwritten
    assert b.store.get_client("order-service").secret_hash == "hash-1"
    assert a.store.set_secret_hash("order-service", "hash-2")
    assert b.store.get_client("order-service").secret_hash == "hash-2"
    assert a.store.disable_client("order-service")
    assert b.store.get_client("order-service").disabled
    assert [c.client_id for c in b.store.list_clients()] == ["order-service"]
    assert not a.store.disable_client("nobody")
    assert b.store.get_client("nobody") is None


def test_an_assertion_is_spent_once_across_replicas_even_when_racing(replicas):
    a, b = replicas
    results: list[bool] = []
    threads = [
        threading.Thread(
            target=lambda s=s: results.append(
                s.store.spend_assertion("agent", "jti-1", int(time.time()) + 60)
            )
        )
        for s in (a, b) * 4
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


def test_a_token_revoked_on_one_replica_is_withdrawn_on_the_other(replicas):
    a, b = replicas
    a.store.add_client(_client())
    now = int(time.time())
    assert not b.store.token_withdrawn("order-service", "jti-a", now)
    a.store.revoke("jti-a", now + 60)
    assert b.store.token_withdrawn("order-service", "jti-a", now)
    assert not b.store.token_withdrawn("order-service", "jti-b", now + 1)
    assert a.store.revoke_client_tokens("order-service", now + 1)
    assert b.store.token_withdrawn("order-service", "jti-b", now + 1)
    assert not a.store.revoke_client_tokens("nobody", now)
    assert b.store.token_withdrawn("nobody", "jti-c", now)


def test_both_replicas_publish_one_key_and_follow_a_rotation_and_a_revocation(replicas):
    a, b = replicas
    assert a.keys.public_jwks() == b.keys.public_jwks()
    assert len(b.keys.published()) == 1
    first = a.keys.published()[0].kid
    new = a.keys.rotate()
    assert b.keys.signing_key().kid == new.kid
    assert [k["kid"] for k in b.keys.public_jwks()["keys"]] == [new.kid, first]
    replacement = b.keys.revoke(new.kid)
    assert a.keys.signing_key().kid == replacement.kid
    assert new.kid not in {k["kid"] for k in a.keys.public_jwks()["keys"]}
    with pytest.raises(KeyError):
        a.keys.revoke("no-such-kid")
    assert all("d" not in k for k in b.keys.public_jwks()["keys"])  # public halves only


def test_the_failure_budget_is_one_budget_for_both_replicas(config):
    a, b = (
        open_storage(Settings.load({**config, "client_auth_failure_limit": "4/minute"}))
        for _ in range(2)
    )
    for budget in (a.budget, b.budget, a.budget):
        budget.spend("client:x")
    assert not b.budget.exhausted("client:x")
    b.budget.spend("client:x")
    assert a.budget.exhausted("client:x") and b.budget.exhausted("client:x")
    assert not a.budget.exhausted("client:y")
    assert 1 <= b.budget.retry_after("client:x") <= 60


def test_postgres_keeps_private_keys_encrypted(postgres_url, tmp_path):
    config = {
        "issuer": "http://as.test",
        "data_dir": str(tmp_path),
        "database_url": postgres_url,
        "key_encryption_key": KEY,
    }
    open_storage(Settings.load(config)).keys.ensure_signing_key()
    with psycopg.connect(postgres_url) as conn:
        stored = conn.execute("SELECT private_key FROM signing_keys").fetchone()[0]
    assert b"PRIVATE KEY" not in bytes(stored)
    assert b"PRIVATE KEY" in Fernet(KEY.encode()).decrypt(bytes(stored))
    assert not (tmp_path / "keys").exists()


def test_a_database_url_needs_a_valid_key_encryption_key(tmp_path):
    base = {
        "issuer": "http://as.test",
        "data_dir": str(tmp_path),
        "database_url": "postgresql://u@h/db",
    }
    with pytest.raises(ConfigError, match=r"AUTH_KEY_ENCRYPTION_KEY .*is required"):
        Settings.load(base)
    with pytest.raises(ConfigError, match="AUTH_KEY_ENCRYPTION_KEY must be 32 random bytes"):
        Settings.load({**base, "key_encryption_key": "short"})
    (tmp_path / "kek").write_text(KEY + "\n")
    settings = Settings.load({**base, "key_encryption_key_file": str(tmp_path / "kek")})
    assert settings.key_encryption_key == KEY
    assert KEY not in repr(settings)


def test_the_postgres_budget_stays_bounded_dropping_the_oldest_windows(postgres_url):
    db = PostgresDatabase(postgres_url, POSTGRES_SCHEMA)
    budget = PostgresFailureBudget(db, "2/minute", max_rows=3)
    for key in ("a", "b", "c", "d", "e"):
        budget.spend(key)
    with db.read() as conn:
        keys = {r["key"] for r in conn.execute("SELECT key FROM failure_windows").fetchall()}
    assert keys == {"c", "d", "e"}
