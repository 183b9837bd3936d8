"""The domain's reservation rules, shared by the REST API and the MCP tools."""

from __future__ import annotations

import pytest

from inventory_service.api.stock import MAX_QUANTITY, reservation_errors

QUANTITY_ERROR = f"quantity must be a whole number from 1 to {MAX_QUANTITY}"
ORDER_ID_ERROR = "order_id must be a string of 1-64 printable characters"


@pytest.mark.parametrize("quantity", [1, 2, MAX_QUANTITY])
def test_a_whole_number_in_range_is_a_valid_quantity(quantity):
    assert reservation_errors("order-1", quantity) == []


@pytest.mark.parametrize("quantity", ["2", True, False, 0, -1, MAX_QUANTITY + 1, 2.0, None])
def test_strings_booleans_floats_and_out_of_range_numbers_are_refused(quantity):
    assert reservation_errors("order-1", quantity) == [QUANTITY_ERROR]


@pytest.mark.parametrize("order_id", ["", "x" * 65, "a\nb", 7, None])
def test_an_order_id_must_be_1_to_64_printable_characters(order_id):
    assert reservation_errors(order_id, 1) == [ORDER_ID_ERROR]


def test_every_problem_is_named_at_once():
    assert reservation_errors(None, "2") == [ORDER_ID_ERROR, QUANTITY_ERROR]
