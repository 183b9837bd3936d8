"""private_key_jwt as the MCP SDK clients send it: the aud forms and the lifetime cap."""

from __future__ import annotations

import time

import pytest

from tests.unit.auth_server.conftest import ISSUER
from tests.unit.auth_server.test_client_authentication import (
    KeyClient,
    assert_invalid_client,
)


@pytest.fixture
def key_client(clients):
    return KeyClient(clients)


@pytest.mark.parametrize(
    "aud",
    [
        f"{ISSUER}/",  # SDK 1.x: str(AnyHttpUrl("http://as.test")) adds the slash
        ISSUER,  # SDK 2.x: the issuer exactly
        [ISSUER],
        [f"{ISSUER}/", f"{ISSUER}/oauth/token"],
    ],
)
def test_issuer_with_or_without_slash_alone_or_in_a_list_is_accepted(http, key_client, aud):
    resp = key_client.request(http, key_client.assertion(aud=aud))
    assert resp.status_code == 200, resp.get_json()


@pytest.mark.parametrize(
    "aud",
    [
        [ISSUER, "http://other"],  # meant for someone else too
        [],
        f"{ISSUER}//",
        f"{ISSUER}/oauth",
        "http://AS.test",
        None,
        42,
    ],
)
def test_an_audience_naming_anything_else_is_refused(http, key_client, aud):
    assert_invalid_client(key_client.request(http, key_client.assertion(aud=aud)))


def test_an_assertion_living_exactly_five_minutes_is_accepted(http, key_client):
    now = int(time.time())
    resp = key_client.request(http, key_client.assertion(iat=now, exp=now + 300))
    assert resp.status_code == 200, resp.get_json()


def test_an_assertion_living_longer_than_five_minutes_is_refused(http, key_client):
    now = int(time.time())
    assert_invalid_client(key_client.request(http, key_client.assertion(iat=now, exp=now + 301)))


def test_an_assertion_without_iat_expiring_in_an_hour_is_refused(http, key_client):
    assertion = key_client.assertion(exp=int(time.time()) + 3600, iat=None)
    assert_invalid_client(key_client.request(http, assertion))


def test_an_assertion_with_a_string_exp_is_refused(http, key_client):
    assertion = key_client.assertion(exp=str(int(time.time()) + 60))
    assert_invalid_client(key_client.request(http, assertion))
