"""Capacity, blocked periods and back-to-back windows are decided when a booking is accepted."""

from __future__ import annotations

import pytest

from marketplace.bookings import services
from marketplace.core.errors import Conflict
from tests import factories
from tests.factories import local_day


@pytest.fixture
def reactor(db):
    """Two identical reactors, booked by the hour on working hours every day, operator accepts."""
    return factories.OfferingFactory(
        price_unit="hour",
        price_amount=300.0,
        booking_capacity=2,
        opening_hours=[{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)],
    )


def _firm():
    return factories.UserFactory(role="firm")


def _operator(offering):
    return factories.UserFactory(role="operator", organization=offering.platform.organization)


def test_pending_requests_hold_nothing_and_accepts_stop_at_capacity(db, reactor):
    requests = [
        services.request_booking(_firm(), reactor, local_day(5, 9), local_day(5, 12)) for _ in range(3)
    ]
    assert all(b.status == "requested" for b in requests)
    operator = _operator(reactor)
    services.transition(operator, requests[0], "accept")
    services.transition(operator, requests[1], "accept")
    with pytest.raises(Conflict) as refused:
        services.transition(operator, requests[2], "accept")
    assert "仅剩 0 台/套可约" in refused.value.errors[0][1]
    assert requests[2].status == "requested"


def test_back_to_back_windows_both_fit(db, reactor):
    reactor.booking_capacity = 1
    operator = _operator(reactor)
    first = services.request_booking(_firm(), reactor, local_day(5, 9), local_day(5, 12))
    second = services.request_booking(_firm(), reactor, local_day(5, 12), local_day(5, 15))
    services.transition(operator, first, "accept")
    services.transition(operator, second, "accept")
    assert (first.status, second.status) == ("accepted", "accepted")


def test_a_request_over_a_blocked_period_is_refused_with_its_time(db, reactor):
    factories.OfferingBlockFactory(offering=reactor, start_at=local_day(5, 10), end_at=local_day(5, 11))
    with pytest.raises(Conflict) as refused:
        services.request_booking(_firm(), reactor, local_day(5, 9), local_day(5, 12))
    assert "停用时段" in refused.value.errors[0][1] and "设备年度维护" in refused.value.errors[0][1]


def test_auto_confirm_accepts_at_once_and_prices_by_the_hour(db, reactor):
    reactor.auto_confirm = True
    booking = services.request_booking(_firm(), reactor, local_day(5, 9), local_day(5, 12), quantity=2)
    assert booking.status == "accepted"
    assert booking.price_amount == 3 * 2 * 300.0
    with pytest.raises(Conflict):
        services.request_booking(_firm(), reactor, local_day(5, 11), local_day(5, 13))
