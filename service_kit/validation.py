"""Checks of JSON request fields, worded for the caller (RFC 9457 ``errors`` entries).

JSON has one number type and ``true`` is not a number: ``isinstance(True, int)`` holds in
Python, so booleans are refused explicitly, and ``"2"`` is a string, never coerced.
"""

from __future__ import annotations

from typing import Any


def identifier_error(name: str, value: Any, longest: int = 64) -> str | None:
    """``None`` for a string of 1-``longest`` printable characters, else the sentence."""
    if isinstance(value, str) and 1 <= len(value) <= longest and value.isprintable():
        return None
    return f"{name} must be a string of 1-{longest} printable characters"


def whole_number_error(name: str, value: Any, lo: int, hi: int) -> str | None:
    """``None`` for an integer from ``lo`` to ``hi`` (not a boolean), else the sentence."""
    if not isinstance(value, bool) and isinstance(value, int) and lo <= value <= hi:
        return None
    return f"{name} must be a whole number from {lo} to {hi}"
