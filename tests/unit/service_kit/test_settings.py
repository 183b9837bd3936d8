"""Environment reading: prefixes, overrides, and errors that name the variable."""

from __future__ import annotations

import pytest

from service_kit.settings import ConfigError, Environment


def test_prefixed_variables_are_read_lower_case_and_overrides_win(monkeypatch):
    monkeypatch.setenv("KIT_PORT", "9100")
    monkeypatch.setenv("KIT_HOST", "0.0.0.0")
    monkeypatch.setenv("OTHER_PORT", "1")
    env = Environment("KIT_", {"HOST": "127.0.0.1"})
    assert env == {"port": "9100", "host": "127.0.0.1"}
    assert env.whole_number("port", 80, 1, 65535) == 9100


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ten", "KIT_PORT must be a whole number, got 'ten'"),
        ("0", "KIT_PORT must be between 1 and 65535, got 0"),
    ],
)
def test_a_bad_number_names_the_variable(value, message):
    with pytest.raises(ConfigError, match=message):
        Environment("KIT_", {"port": value}).whole_number("port", 80, 1, 65535)


def test_a_choice_outside_the_list_names_the_variable_and_the_choices():
    with pytest.raises(ConfigError, match="KIT_MODE must be one of a, b, got 'c'"):
        Environment("KIT_", {"mode": "c"}).choice("mode", "a", ("a", "b"))


@pytest.mark.parametrize("value", [None, "", "ftp://x", "http://", "http://h/#frag"])
def test_a_url_must_be_absolute_http_without_fragment(value):
    with pytest.raises(ConfigError, match="KIT_ISSUER"):
        Environment("KIT_", {"issuer": value}).http_url("issuer")
