"""The rules of a request (opening hours, notice, advance, length, quantity, blocked periods) and the
price of every unit, as the firm reads them."""

from __future__ import annotations

import pytest

from marketplace.bookings import availability, services
from marketplace.core.errors import Conflict, DomainError
from tests import factories
from tests.factories import local_day

SPLIT_DAY = [
    {"weekday": d, "start": start, "end": end}
    for d in range(7)
    for start, end in (("08:00", "12:00"), ("13:00", "17:00"))
]


@pytest.fixture
def hourly(db):
    return factories.OfferingFactory(
        price_unit="hour", price_amount=300.0, opening_hours=SPLIT_DAY, booking_capacity=2
    )


def _firm():
    return factories.UserFactory(role="firm")


def _refusal(offering, start, end, quantity=1):
    with pytest.raises(DomainError) as refused:
        services.request_booking(_firm(), offering, start, end, quantity)
    return refused.value.errors


@pytest.mark.parametrize(
    ("unit", "price", "window", "quantity", "amount", "basis"),
    [
        ("hour", 300.0, (5, 9, 5, 12), 2, 1800.0, "3 小时 × 2 台/套 × 300.00 元/小时 = 1,800.00 元"),
        ("day", 1200.0, (5, 0, 7, 0), 1, 2400.0, "2 天 × 1 台/套"),
        ("day", 1200.0, (5, 0, 6, 1), 1, 2400.0, "2 天"),  # a started day counts
        ("month", 9000.0, (5, 0, 50, 0), 1, 18000.0, "2 个月（按 30 天计）"),
        ("batch", 5000.0, (5, 9, 5, 12), 3, 15000.0, "3 批次 × 5,000.00 元/批次"),
        ("sample", 80.0, (5, 9, 5, 12), 4, 320.0, "4 个样品"),
        ("project", 50000.0, (5, 9, 5, 12), 1, 50000.0, "1 个项目"),
        (None, None, (5, 9, 5, 12), 1, None, "面议"),
    ],
)
def test_price_of_every_unit(db, unit, price, window, quantity, amount, basis):
    offering = factories.OfferingFactory(price_unit=unit, price_amount=price)
    a, h1, b, h2 = window
    got, text = availability.price_for(offering, local_day(a, h1), local_day(b, h2), quantity)
    assert got == amount
    assert basis in text


def test_outside_opening_hours_is_refused_naming_the_hours(db, hourly):
    errors = _refusal(hourly, local_day(5, 17), local_day(5, 19))
    assert errors[0][0] == "start" and "不在开放时间内" in errors[0][1] and "08:00–12:00" in errors[0][1]


def test_a_window_across_the_lunch_break_is_refused(db, hourly):
    errors = _refusal(hourly, local_day(5, 11), local_day(5, 14))
    assert "不在开放时间内" in errors[0][1]


def test_a_window_inside_one_opening_is_requested(db, hourly):
    booking = services.request_booking(_firm(), hourly, local_day(5, 13), local_day(5, 17))
    assert booking.status == "requested" and booking.price_amount == 4 * 300.0


def test_whole_day_offerings_take_whole_days_only(db):
    site = factories.OfferingFactory(kind="site", price_unit="day")
    errors = _refusal(site, local_day(5, 9), local_day(6, 9))
    assert "按整天预约" in errors[0][1]
    assert services.request_booking(_firm(), site, local_day(5), local_day(8)).price_amount == 3 * 1200.0


def test_notice_and_advance(db, hourly):
    hourly.min_notice_hours = 72
    assert "需至少提前 72 小时" in _refusal(hourly, local_day(1, 9), local_day(1, 10))[0][1]
    hourly.max_advance_days = 30
    assert "最多可提前 30 天" in _refusal(hourly, local_day(40, 9), local_day(40, 10))[0][1]


def test_minimum_and_maximum_length(db, hourly):
    hourly.min_hours, hourly.max_hours = 2, 3
    assert _refusal(hourly, local_day(5, 8), local_day(5, 9)) == [("end", "预约时长至少 2 小时。")]
    assert _refusal(hourly, local_day(5, 8), local_day(5, 12)) == [("end", "预约时长最多 3 小时。")]


def test_more_units_than_the_capacity(db, hourly):
    errors = _refusal(hourly, local_day(5, 8), local_day(5, 10), quantity=3)
    assert errors[0][0] == "quantity" and "1 到 2" in errors[0][1]


def test_end_before_start(db, hourly):
    assert _refusal(hourly, local_day(5, 10), local_day(5, 9)) == [("end", "结束时间应晚于开始时间。")]


def test_blocked_period_refuses_requests_and_blocks_over_accepted_bookings_are_refused(db, hourly):
    operator = factories.UserFactory(role="operator", organization=hourly.platform.organization)
    services.add_block(operator, hourly, local_day(6, 8), local_day(6, 12), "内部使用")
    with pytest.raises(Conflict) as refused:
        services.request_booking(_firm(), hourly, local_day(6, 9), local_day(6, 10))
    assert "内部使用" in refused.value.errors[0][1]
    booking = services.request_booking(_firm(), hourly, local_day(7, 8), local_day(7, 10))
    services.transition(operator, booking, "accept")
    with pytest.raises(Conflict) as refused:
        services.add_block(operator, hourly, local_day(7, 9), local_day(7, 11), "维护")
    assert "已有确认的预约" in refused.value.errors[0][1]
    # back to back with the booking is fine
    services.add_block(operator, hourly, local_day(7, 10), local_day(7, 12), "维护")


def test_accepting_a_request_after_the_slot_was_taken_names_the_time(db, hourly):
    hourly.booking_capacity = 1
    operator = factories.UserFactory(role="operator", organization=hourly.platform.organization)
    first = services.request_booking(_firm(), hourly, local_day(5, 8), local_day(5, 11))
    second = services.request_booking(_firm(), hourly, local_day(5, 10), local_day(5, 12))
    services.transition(operator, first, "accept")
    with pytest.raises(Conflict) as refused:
        services.transition(operator, second, "accept")
    assert "该时段已被预约" in refused.value.errors[0][1]
    assert second.status == "requested"
