"""Client records are cached per thread and dropped when the registry changes.

A second ``SqliteStore`` on the same file stands for another gunicorn worker or the CLI: its
own connection, its own commits. SQLite's statement trace on the serving thread's
connection shows which requests read the ``clients`` table.
"""

from __future__ import annotations

import pytest

from auth_server.clients import Registry
from auth_server.storage.schema import DB_FILE
from auth_server.storage.sqlite import SqliteStore

from ..conftest import token_request


@pytest.fixture
def other_worker(app):
    settings = app.extensions["auth_settings"]
    return Registry(SqliteStore(settings.data_dir / DB_FILE), settings.scopes)


@pytest.fixture
def client_reads(app):
    """Client-table reads made by this thread's connection (the one the app serves with)."""
    reads: list[str] = []
    conn = app.extensions["auth_store"].connection()
    conn.set_trace_callback(lambda sql: reads.append(sql) if "FROM clients" in sql else None)
    yield reads
    conn.set_trace_callback(None)


def test_a_known_client_is_read_once_then_served_from_memory(http, clients, client_reads):
    creds = clients.create()
    assert token_request(http, *creds).status_code == 200
    assert len(client_reads) == 1
    for _ in range(5):
        assert token_request(http, *creds).status_code == 200
    assert len(client_reads) == 1


def test_an_unknown_client_is_looked_up_every_time_and_never_cached(app, client_reads):
    # Straight at the cache: a refused request also counts a failure, and that commit alone
    # would empty the cache, so requests could not tell a cached miss from a fresh one.
    store = app.extensions["auth_store"]
    assert [store.get_client(f"nobody-{i % 2}") for i in range(4)] == [None] * 4
    assert len(client_reads) == 4


def test_an_unknown_client_is_refused_like_a_wrong_secret(http, clients):
    client_id, _ = clients.create()
    unknown = token_request(http, "nobody", "guess-" + "x" * 40)
    wrong = token_request(http, client_id, "guess-" + "x" * 40)
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()
    assert unknown.headers["WWW-Authenticate"] == wrong.headers["WWW-Authenticate"]


def test_a_client_disabled_by_another_worker_is_refused_at_the_next_request(
    http, clients, other_worker
):
    creds = clients.create()
    assert token_request(http, *creds).status_code == 200

    other_worker.disable(creds[0])

    resp = token_request(http, *creds)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_client"
    assert resp.headers["WWW-Authenticate"].startswith("Basic")


def test_a_secret_rotated_by_another_worker_replaces_the_old_one_at_once(
    http, clients, other_worker
):
    client_id, old = clients.create()
    assert token_request(http, client_id, old).status_code == 200

    new = other_worker.rotate_secret(client_id)

    assert token_request(http, client_id, old).status_code == 401
    assert token_request(http, client_id, new).status_code == 200


def test_a_change_made_on_the_serving_threads_own_connection_is_seen_too(http, clients):
    """The thread's own commits leave its ``data_version`` alone; they count as well."""
    client_id, secret = clients.create()  # the same Store, so the same connection
    assert token_request(http, client_id, secret).status_code == 200

    clients.registry.disable(client_id)

    assert token_request(http, client_id, secret).status_code == 401


def test_any_commit_to_the_database_drops_the_cache(http, clients, other_worker, client_reads):
    creds = clients.create()
    assert token_request(http, *creds).status_code == 200
    other_worker.create("unrelated", ["inventory:read"], ["http://inventory.test"])
    assert token_request(http, *creds).status_code == 200
    assert len(client_reads) == 2


def test_client_secret_post_clients_are_cached_and_withdrawn_alike(
    http, clients, other_worker, client_reads
):
    client_id, secret = clients.create(auth_method="client_secret_post")
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    assert all(http.post("/oauth/token", data=form).status_code == 200 for _ in range(3))
    assert len(client_reads) == 1
    other_worker.disable(client_id)
    assert http.post("/oauth/token", data=form).status_code == 401
