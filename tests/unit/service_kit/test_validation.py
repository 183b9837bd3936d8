"""Request-field checks: JSON types as sent, never coerced."""

from __future__ import annotations

import pytest

from service_kit.validation import identifier_error, whole_number_error


@pytest.mark.parametrize("value", ["a", "ord_1", "x" * 64])
def test_printable_strings_up_to_the_limit_are_identifiers(value):
    assert identifier_error("order_id", value) is None


@pytest.mark.parametrize("value", ["", "x" * 65, "a\nb", 7, None, ["a"]])
def test_anything_else_is_refused_with_the_fields_name(value):
    assert identifier_error("order_id", value) == (
        "order_id must be a string of 1-64 printable characters"
    )


@pytest.mark.parametrize("value", [1, 5, 10])
def test_integers_in_range_are_whole_numbers(value):
    assert whole_number_error("quantity", value, 1, 10) is None


@pytest.mark.parametrize("value", [0, 11, True, False, "2", 1.0, 1.5, None])
def test_booleans_strings_floats_and_out_of_range_are_refused(value):
    assert whole_number_error("quantity", value, 1, 10) == (
        "quantity must be a whole number from 1 to 10"
    )
