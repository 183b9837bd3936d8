"""Settings: a bad value fails at start with the variable named."""

from __future__ import annotations

import pytest

from inventory_service import create_app


@pytest.mark.parametrize(
    "override, message",
    [
        ({"issuer": None}, "INVENTORY_ISSUER is required"),
        ({"resource": "not a url"}, "INVENTORY_RESOURCE must be an absolute"),
        ({"auth_mode": "open"}, "INVENTORY_AUTH_MODE must be one of"),
        ({"api_key_sunset": "someday"}, "INVENTORY_API_KEY_SUNSET must be a date"),
        ({"workers": "0"}, "INVENTORY_WORKERS must be between"),
        ({"evidence_window": "soon"}, "INVENTORY_EVIDENCE_WINDOW must be a duration"),
        ({"evidence_window": "0s"}, "INVENTORY_EVIDENCE_WINDOW must be a duration"),
    ],
)
def test_bad_settings_fail_at_start_with_the_variable_named(settings, override, message):
    from inventory_service.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        create_app({**settings, **override})
