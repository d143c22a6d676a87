"""Every computed indicator derived from a small fixture of bookings, reviews, outcomes, blocks and
cases, with the expected numbers worked out by hand here (local calendar year 2025, Beijing time)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from marketplace.core.timeutil import local_zone
from marketplace.evaluation.metrics import METRICS
from tests import factories as f

BJ = local_zone()


def local(y, m, d, h=0, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=BJ)


@pytest.fixture
def data(db):
    """Platform A with a year of work, platform B with almost none."""
    a = f.PlatformFactory(name="甲平台")
    b = f.PlatformFactory(name="乙平台", fee_standard="")
    own = f.UserFactory(role="firm", organization=a.organization)  # A's own organisation booking itself
    firm1, firm2 = f.UserFactory(role="firm"), f.UserFactory(role="firm")
    # A's offerings: one bookable hourly reactor (priced), one service (面议), one paused (ignored).
    reactor = f.OfferingFactory(
        platform=a,
        title="200 L 反应釜",
        price_unit="hour",
        price_amount=300.0,
        booking_capacity=2,
        opening_hours=[{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)],  # Mon-Fri
    )
    service = f.OfferingFactory(
        platform=a, kind="service", is_bookable=False, price_amount=None, price_unit=None, title="工艺开发"
    )
    paused = f.OfferingFactory(platform=a, status="paused", price_unit="hour", title="暂停的设备")

    def work(user, when, **kw):
        kw.setdefault("status", "confirmed")
        return f.BookingFactory(offering=service, requested_by=user, completed_at=when, **kw)

    done = {
        "b1": work(firm1, local(2025, 3, 10, 15), price_amount=10_000.0, outcome="production"),
        "b2": work(
            firm1, local(2025, 12, 31, 23, 30), status="completed", price_amount=5_500.0, outcome="repeat"
        ),
        "b3": f.BookingFactory(
            kind="order",
            offering=None,
            platform_id=a.id,
            requested_by=firm2,
            status="confirmed",
            completed_at=local(2025, 6, 1, 10),
            price_amount=None,
            outcome="production",
        ),
    }
    excluded = {
        "own": work(own, local(2025, 5, 1, 10), price_amount=3_000.0, outcome="production"),
        "next_year": work(firm2, local(2026, 1, 1, 0, 30), price_amount=900.0),  # 2025-12-31 16:30 UTC
        "last_year": work(firm2, local(2024, 12, 31, 23, 30), price_amount=800.0),  # 2024-12-31 15:30 UTC
        "accepted": work(firm1, None, status="accepted"),
        "cancelled": work(firm2, local(2025, 7, 1), status="cancelled"),
    }
    # Utilisation of the reactor over 2025: 261 weekdays × 10 h = 2,610 h; a block takes out Monday
    # and Tuesday 3-4 March (20 open hours); capacity 2 → (2,610 − 20) × 2 = 5,180 unit-hours.
    f.OfferingBlockFactory(offering=reactor, start_at=local(2025, 3, 3, 8), end_at=local(2025, 3, 5, 8))
    for start, end, quantity, status in (
        (local(2025, 4, 1, 8), local(2025, 4, 1, 18), 2, "confirmed"),  # 20 unit-hours
        (local(2025, 4, 2, 8), local(2025, 4, 2, 18), 1, "accepted"),  # 10
        (local(2025, 12, 31, 16), local(2026, 1, 1, 10), 1, "completed"),  # 8 in 2025 (16:00-24:00)
        (local(2024, 12, 31, 20), local(2025, 1, 1, 2), 1, "confirmed"),  # 2 in 2025
        (local(2025, 5, 6, 8), local(2025, 5, 6, 18), 2, "cancelled"),  # not counted
        (local(2025, 5, 7, 8), local(2025, 5, 7, 18), 2, "requested"),  # not counted
    ):
        f.BookingFactory(
            offering=reactor, requested_by=firm1, start_at=start, end_at=end, quantity=quantity, status=status
        )
    f.BookingFactory(
        offering=paused, requested_by=firm1, start_at=local(2025, 4, 1, 8), end_at=local(2025, 4, 1, 18)
    )
    # Response times of booking requests made in 2025: 1, 2, 5 and 30 hours → median 3.5 h.
    for day, hours in ((1, 2), (2, 5), (3, 30), (4, 1)):
        asked = local(2025, 2, day, 10)
        f.BookingFactory(
            offering=reactor,
            requested_by=firm2,
            status="declined",
            created_at=asked,
            responded_at=asked + timedelta(hours=hours),
        )
    f.BookingFactory(offering=reactor, requested_by=firm2, status="expired", created_at=local(2025, 2, 9, 10))
    f.BookingFactory(  # asked on 31 December 2024 Beijing time: another year
        offering=reactor,
        requested_by=firm2,
        status="declined",
        created_at=local(2024, 12, 31, 23),
        responded_at=local(2025, 1, 1, 0),
    )
    f.BookingFactory(  # an order is accepted when it is created: not a response
        kind="order",
        offering=None,
        platform_id=a.id,
        requested_by=firm2,
        created_at=local(2025, 3, 1, 10),
        responded_at=local(2025, 3, 1, 10),
    )
    # Reviews written in 2025: A 5, 4, 4 → 13 ÷ 3 = 4.33; one written on 1 January 2026 is not counted.
    for booking, rating in ((done["b1"], 5), (done["b2"], 4), (done["b3"], 4)):
        f.ReviewFactory(booking=booking, platform_id=a.id, rating=rating, created_at=local(2025, 12, 31, 20))
    f.ReviewFactory(
        booking=excluded["next_year"], platform_id=a.id, rating=1, created_at=local(2026, 1, 1, 0, 5)
    )
    b_order = f.BookingFactory(
        kind="order",
        offering=None,
        platform_id=b.id,
        requested_by=firm1,
        status="confirmed",
        completed_at=None,
    )
    f.ReviewFactory(
        booking=b_order, platform_id=b.id, offering_id=None, rating=3, created_at=local(2025, 8, 8)
    )
    # Typical cases: two of A's selected in the 2025 round; one submitted only; one selected in 2024.
    round_2025 = f.SelectionRoundFactory(year=2025, status="published")
    selected = [
        f.CaseNominationFactory(round=round_2025, platform=a, status="selected", title=f"案例{n}")
        for n in (1, 2)
    ]
    f.CaseNominationFactory(round=round_2025, platform=a, status="not_selected")
    f.CaseNominationFactory(
        round=f.SelectionRoundFactory(year=2024, status="published"), platform=a, status="selected"
    )
    return a, b, done, selected


def derive(metric, *platforms):
    return METRICS[metric].compute(2025, list(platforms))


def test_completed_work_counts_done_external_work_completed_in_the_local_year(data):
    a, b, done, _ = data
    result = derive("completed_work", a, b)
    assert result[a.id].value == 3  # b1, b2 (23:30 on 31 December, Beijing) and the order b3
    assert set(result[a.id].derivation["bookings"]) == {done[k].ref for k in ("b1", "b2", "b3")}
    assert result[a.id].derivation["counts"] == {"完成的预约": 2, "完成的订单": 1}
    assert result[a.id].derivation["formula"] == "2 项预约 + 1 项订单 = 3 项"
    assert result[b.id].value == 0


def test_distinct_firms_and_conversions(data):
    a, b, done, _ = data
    firms = derive("distinct_firms", a, b)
    assert firms[a.id].value == 2  # firm1 (b1, b2) and firm2 (b3); the own organisation is not a firm served
    assert firms[b.id].value == 0
    conversions = derive("conversions", a, b)
    assert conversions[a.id].value == 2  # b1 and b3 reported 已量产; b2 needs another pilot run
    assert set(conversions[a.id].derivation["bookings"]) == {done["b1"].ref, done["b3"].ref}


def test_revenue_sums_frozen_prices_in_wan_yuan_and_lists_negotiable_work(data):
    a, b, done, _ = data
    result = derive("revenue", a, b)
    assert result[a.id].value == pytest.approx(1.55)  # (10,000 + 5,500) ÷ 10,000
    assert result[a.id].derivation["unpriced"] == [done["b3"].ref]
    assert result[a.id].derivation["counts"]["面议（未计入）"] == 1
    assert result[a.id].derivation["formula"] == "15,500.00 元 ÷ 10,000 = 1.55 万元"
    assert result[b.id].value == 0


def test_utilisation_is_booked_over_open_unit_hours_of_active_bookable_offerings(data):
    a, b, _, _ = data
    result = derive("utilisation", a, b)
    booked, open_hours = 20 + 10 + 8 + 2, (261 * 10 - 20) * 2
    assert open_hours == 5180
    assert result[a.id].value == pytest.approx(round(100 * booked / open_hours, 2))  # 0.77 %
    assert result[a.id].derivation["formula"] == "40.0 ÷ 5,180.0 × 100% = 0.8%"
    assert [o["title"] for o in result[a.id].derivation["offerings"]] == ["200 L 反应釜"]
    assert result[b.id].value is None  # no bookable offering: no data


def test_response_hours_is_the_median_over_answered_requests_of_the_year(data):
    a, b, _, _ = data
    result = derive("response_hours", a, b)
    assert result[a.id].value == pytest.approx(3.5)  # median of 1, 2, 5, 30
    assert result[a.id].derivation["hours"] == [1.0, 2.0, 5.0, 30.0]
    assert result[b.id].value is None


def test_average_rating_of_reviews_written_in_the_year(data):
    a, b, _, _ = data
    result = derive("average_rating", a, b)
    assert result[a.id].value == pytest.approx(4.33)
    assert result[a.id].derivation["formula"] == "评分合计 13 ÷ 3 条评价 = 4.33 分"
    assert len(result[a.id].derivation["reviews"]) == 3
    assert result[b.id].value == 3


def test_selected_cases_of_the_same_years_round(data):
    a, b, _, selected = data
    result = derive("selected_cases", a, b)
    assert result[a.id].value == 2
    assert result[a.id].derivation["nominations"] == [n.ref for n in selected]
    assert result[b.id].value == 0


def test_fee_and_rules_published(data):
    a, b, _, _ = data
    fees = derive("fee_published", a, b)
    assert (
        fees[a.id].value == 50
    )  # the reactor states a price, the service is 面议; the paused one is not public
    assert fees[b.id].value is None
    rules = derive("rules_published", a, b)
    assert rules[a.id].value == 2
    assert rules[b.id].value == 1  # sharing rules stated, no fee standard


def test_each_metric_reads_all_platforms_in_a_few_statements(data, db):
    """Hundreds of platforms: the statements do not grow with the platforms or their bookings."""
    from sqlalchemy import event

    a, b, _, _ = data
    platforms = [a, b] + [f.PlatformFactory() for _ in range(6)]
    for p in platforms[2:]:
        f.BookingFactory(
            offering=f.OfferingFactory(platform=p), status="confirmed", completed_at=local(2025, 5, 5)
        )
    db.session.flush()
    counts = {}
    engine = db.engine

    def count(*_args):
        counts[current] = counts.get(current, 0) + 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        for current in METRICS:
            METRICS[current].compute(2025, platforms)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert max(counts.values()) <= 4, counts  # utilisation: offerings (+ their labels), hours, blocks
