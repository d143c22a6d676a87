"""The one rule for numbers: finite, within bounds, a message naming the field; the same bounds in
forms (HTML min/max) and in the OpenAPI document."""

from decimal import Decimal

import pytest

from marketplace.core.numbers import Bounds, check_numbers

PRICE = Bounds("价格", 0, 10_000_000_000, "元")
TRL = Bounds("技术成熟度", 1, 9, integer=True)


@pytest.mark.parametrize(
    "bounds,value,message",
    [
        (PRICE, 1200, None),
        (PRICE, Decimal("99.5"), None),
        (PRICE, None, None),
        (PRICE, 1e308, "价格应在 0 到 100 亿元之间。"),
        (PRICE, Decimal("1e400"), "价格应在 0 到 100 亿元之间。"),
        (PRICE, float("inf"), "价格应为 0 到 100 亿元之间的有效数字。"),
        (PRICE, Decimal("NaN"), "价格应为 0 到 100 亿元之间的有效数字。"),
        (PRICE, "12", "价格应为 0 到 100 亿元之间的有效数字。"),
        (PRICE, True, "价格应为 0 到 100 亿元之间的有效数字。"),
        (PRICE, -0.01, "价格不能为负数。"),
        (TRL, 0, "技术成熟度至少为 1。"),
        (TRL, 10**30, "技术成熟度应在 1 到 9 之间。"),
        (TRL, 4.5, "技术成熟度应为整数。"),
    ],
)
def test_bounds_accept_finite_numbers_in_range_and_name_the_field(bounds, value, message):
    assert bounds.problem(value) == message


def test_check_numbers_lists_every_field_at_once():
    errors = check_numbers({"price": float("nan"), "trl": 12, "other": 1e308}, {"price": PRICE, "trl": TRL})
    assert [field for field, _ in errors] == ["price", "trl"]


def test_the_api_documents_the_bounds(client, db):
    spec = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    amount = spec["Price"]["properties"]["amount"]
    assert (amount["minimum"], amount["maximum"]) == (0, 10_000_000_000)
