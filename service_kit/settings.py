"""Reading a service's ``<PREFIX>_*`` environment once, with errors that name the variable.

``Environment`` is the raw mapping (lower-case names without the prefix, test overrides on
top) plus the checks every service repeats. A service's ``Settings.load`` builds one, reads
what it needs, and fails at start with a sentence such as "INVENTORY_PORT must be between 1
and 65535, got 0" rather than somewhere in a request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class Environment(dict[str, Any]):
    """``PREFIX``-ed environment variables, lower-cased and stripped, then ``overrides``."""

    def __init__(self, prefix: str, overrides: Mapping[str, Any] | None = None) -> None:
        super().__init__(
            (k[len(prefix) :].lower(), v) for k, v in os.environ.items() if k.startswith(prefix)
        )
        self.update({k.lower(): v for k, v in (overrides or {}).items()})
        self.prefix = prefix

    def variable(self, name: str) -> str:
        """The environment variable's full name, for messages."""
        return f"{self.prefix}{name.upper()}"

    def whole_number(self, name: str, default: int, lo: int, hi: int) -> int:
        value = self.get(name, default)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"{self.variable(name)} must be a whole number, got {value!r}"
            ) from None
        if not lo <= number <= hi:
            raise ConfigError(f"{self.variable(name)} must be between {lo} and {hi}, got {number}")
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = str(self.get(name, default))
        if value not in choices:
            raise ConfigError(
                f"{self.variable(name)} must be one of {', '.join(choices)}, got {value!r}"
            )
        return value

    def http_url(self, name: str, example: str = "http://localhost:9000") -> str:
        """A required absolute http(s) URL without a fragment."""
        value = self.get(name)
        if not value:
            raise ConfigError(f"{self.variable(name)} is required, e.g. {example}")
        parts = urlsplit(str(value))
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise ConfigError(f"{self.variable(name)} must be an absolute http(s) URL")
        return str(value)
