"""Ratings once per completed booking, one public reply, outcomes recorded and updated; ratings on pages."""

from __future__ import annotations

import pytest

from marketplace.bookings import services
from marketplace.core.errors import Conflict, DomainError, Forbidden
from tests import factories


def _operator(booking):
    return factories.UserFactory(role="operator", organization=booking.platform.organization)


@pytest.mark.parametrize("state", ["requested", "accepted", "in_progress", "cancelled", "no_show"])
def test_only_completed_work_is_rated(db, state):
    booking = factories.BookingFactory(status=state)
    with pytest.raises(Conflict):
        services.review(booking.requested_by, booking, 5)


def test_a_firm_rates_once_and_only_its_own(db):
    booking = factories.BookingFactory(status="completed")
    with pytest.raises(Forbidden):
        services.review(factories.UserFactory(role="firm"), booking, 5)
    with pytest.raises(Forbidden):
        services.review(_operator(booking), booking, 5)
    with pytest.raises(DomainError):
        services.review(booking.requested_by, booking, 6)
    services.review(booking.requested_by, booking, 4, "按时完成")
    with pytest.raises(Conflict) as refused:
        services.review(booking.requested_by, booking, 5)
    assert "只能评价一次" in refused.value.errors[0][1]


def test_the_platform_replies_once(db):
    entry = factories.ReviewFactory()
    operator = _operator(entry.booking)
    with pytest.raises(Forbidden):
        services.reply_to_review(entry.booking.requested_by, entry, "谢谢")
    services.reply_to_review(operator, entry, "感谢评价")
    with pytest.raises(Conflict):
        services.reply_to_review(operator, entry, "再次感谢")
    assert entry.reply == "感谢评价"


def test_outcomes_are_recorded_and_updated_by_the_firm(db):
    booking = factories.BookingFactory(status="confirmed")
    with pytest.raises(Forbidden):
        services.record_outcome(_operator(booking), booking, "production")
    services.record_outcome(booking.requested_by, booking, "ongoing", "小批量试产")
    first = booking.outcome_at
    services.record_outcome(booking.requested_by, booking, "production", "已建成产线")
    assert (booking.outcome, booking.outcome_note, booking.outcome_label) == (
        "production",
        "已建成产线",
        "已量产",
    )
    assert booking.outcome_at >= first
    with pytest.raises(DomainError):
        services.record_outcome(booking.requested_by, booking, "nonsense")


def test_ratings_show_average_count_distribution_and_replies_without_the_firm(client, db):
    offering = factories.OfferingFactory()
    firms = []
    for rating in (5, 5, 4, 2):
        booking = factories.BookingFactory(offering=offering, status="confirmed")
        firms.append(booking.organization.name)
        factories.ReviewFactory(
            booking=booking, rating=rating, comment=f"评分{rating}的评价", reply="感谢反馈"
        )
    db.session.commit()
    for url in (f"/offerings/{offering.id}", f"/platforms/{offering.platform_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "4.0</b> / 5 分 · 4 条评价" in page
        assert '<dt>5 星</dt><dd><meter min="0" max="4" value="2"' in page
        assert '<dt>3 星</dt><dd><meter min="0" max="4" value="0"' in page
        assert "评分2的评价" in page and "感谢反馈" in page and "某企业" in page
        assert not any(name in page for name in firms)


def test_no_ratings_yet(client, db):
    offering = factories.OfferingFactory()
    db.session.commit()
    assert "暂无评价" in client.get(f"/offerings/{offering.id}").get_data(as_text=True)
