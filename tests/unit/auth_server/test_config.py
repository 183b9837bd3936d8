"""Settings: a bad ``AUTH_*`` value stops the start with a sentence naming the variable."""

from __future__ import annotations

import re

import pytest

from auth_server import create_app
from auth_server.config import ConfigError, Settings

from .conftest import ISSUER


@pytest.mark.parametrize(
    "override, message",
    [
        ({"issuer": None}, "AUTH_ISSUER is required"),
        ({"issuer": "ftp://x"}, "AUTH_ISSUER must be an http(s) URL"),
        ({"token_ttl": "ten"}, "AUTH_TOKEN_TTL must be a whole number"),
        ({"token_ttl": "864000"}, "AUTH_TOKEN_TTL must be between"),
        ({"signing_alg": "HS256"}, "AUTH_SIGNING_ALG must be one of"),
        ({"admin_token": "short"}, "AUTH_ADMIN_TOKEN must be at least 32"),
    ],
)
def test_bad_settings_fail_at_start_with_the_variable_named(settings, override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app({**settings, **override})


def test_a_bad_limit_fails_at_start_naming_the_variable():
    with pytest.raises(ConfigError, match="AUTH_CLIENT_AUTH_FAILURE_LIMIT"):
        Settings.load({"issuer": ISSUER, "client_auth_failure_limit": "lots"})


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ({"registration_scopes": "inventory:nuke"}, "AUTH_REGISTRATION_SCOPES"),
        ({"registration_resources": "not-a-url"}, "AUTH_REGISTRATION_RESOURCES"),
    ],
)
def test_bad_allow_lists_fail_at_start_naming_the_variable(override, variable):
    with pytest.raises(ConfigError, match=variable):
        Settings.load({"issuer": ISSUER, **override})
