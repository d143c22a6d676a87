"""The booking workflow, exhaustively: every (state, action) pair, by each side and by outsiders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.bookings import services
from marketplace.bookings.models import (
    BOOKING_WORKFLOW,
    FIRM_ACTIONS,
    PLATFORM_ACTIONS,
    BookingStatus,
)
from marketplace.core.errors import Conflict, DomainError, Forbidden
from marketplace.core.models import utcnow
from tests import factories

ACTIONS = sorted({action for _state, action in BOOKING_WORKFLOW.transitions})
ROLES = ("firm", "operator", "other_firm", "other_operator", "admin")
#: What each role may do at all (the system alone expires requests).
MAY = {
    "firm": set(FIRM_ACTIONS),
    "operator": set(PLATFORM_ACTIONS),
    "other_firm": set(),
    "other_operator": set(),
    "admin": set(),
}


def _actor(role: str, booking):
    if role == "firm":
        return factories.UserFactory(role="firm", organization=booking.organization)
    if role == "operator":
        return factories.UserFactory(role="operator", organization=booking.platform.organization)
    if role == "other_firm":
        return factories.UserFactory(role="firm")
    if role == "other_operator":
        return factories.UserFactory(role="operator", organization=factories.PlatformFactory().organization)
    return factories.UserFactory(role="admin")


def test_the_table_covers_every_action_the_pages_and_api_name():
    assert set(ACTIONS) == {
        "accept",
        "decline",
        "expire",
        "cancel",
        "start",
        "complete",
        "confirm",
        "no_show",
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", list(BookingStatus))
def test_every_state_action_and_role(db, state, action, role):
    # Work starts and a no-show is recorded after the start, everything else happens before it (timing
    # has its own tests).
    after_start = action in ("no_show", "start")
    start = utcnow() - timedelta(hours=2) if after_start else utcnow() + timedelta(days=10)
    booking = factories.BookingFactory(status=state, start_at=start, end_at=start + timedelta(days=1))
    user = _actor(role, booking)
    target = BOOKING_WORKFLOW.transitions.get((state, action))
    allowed = target is not None and action in MAY[role]
    assert (action in services.allowed_actions(user, booking)) is allowed
    if allowed:
        services.transition(user, booking, action, reason="双方协商一致")
        assert booking.status == target
        assert BOOKING_WORKFLOW.history(booking)[-1].new_state == target
        return
    expected = Forbidden if action not in MAY[role] else Conflict
    with pytest.raises(expected):
        services.transition(user, booking, action, reason="双方协商一致")
    assert booking.status == state
    assert BOOKING_WORKFLOW.history(booking) == []


@pytest.mark.parametrize("action", ["decline", "cancel"])
def test_decline_and_cancel_need_a_reason(db, action):
    booking = factories.BookingFactory(status="requested")
    side = "operator" if action == "decline" else "firm"
    with pytest.raises(DomainError) as refused:
        services.transition(_actor(side, booking), booking, action, reason="  ")
    assert refused.value.errors[0][0] == "reason"
    assert booking.status == "requested"


def test_work_starts_no_earlier_than_the_day_before_the_booking(db, freeze_now):
    booking = factories.BookingFactory(status="accepted")
    operator = _actor("operator", booking)
    assert "start" not in services.allowed_actions(operator, booking)
    with pytest.raises(Conflict) as refused:
        services.transition(operator, booking, "start")
    assert "最早可在前一天开始服务" in refused.value.errors[0][1] and booking.status == "accepted"
    freeze_now(booking.start_at - timedelta(days=1))
    services.transition(operator, booking, "start")
    assert booking.status == "in_progress"


def test_cancellation_only_before_the_start(db, freeze_now):
    booking = factories.BookingFactory(status="accepted")
    firm = _actor("firm", booking)
    assert "cancel" in services.allowed_actions(firm, booking)
    freeze_now(booking.start_at + timedelta(minutes=1))
    assert "cancel" not in services.allowed_actions(firm, booking)
    with pytest.raises(DomainError) as refused:
        services.transition(firm, booking, "cancel", reason="计划变更")
    assert "开始后不能取消" in refused.value.errors[0][1]
    assert booking.status == "accepted"


def test_no_show_only_after_the_start(db, freeze_now):
    booking = factories.BookingFactory(status="accepted")
    operator = _actor("operator", booking)
    with pytest.raises(DomainError) as refused:
        services.transition(operator, booking, "no_show")
    assert "开始后才能记为未到场" in refused.value.errors[0][1]
    assert "no_show" not in services.allowed_actions(operator, booking)
    freeze_now(booking.start_at + timedelta(hours=1))
    services.transition(operator, booking, "no_show")
    assert booking.status == "no_show"
    later = factories.BookingFactory(
        status="requested", requested_by=booking.requested_by, offering=booking.offering
    )
    assert services.no_show_count(later) == 1


def test_every_transition_tells_the_other_side(db, mail):
    from marketplace.notifications.models import Notification

    booking = factories.BookingFactory(status="requested")
    operator, firm = _actor("operator", booking), booking.requested_by
    services.transition(operator, booking, "accept")
    db.session.commit()
    told = db.session.scalars(db.select(Notification).where(Notification.user_id == firm.id)).all()
    assert any("接受" in n.message for n in told)
    assert not db.session.scalars(db.select(Notification).where(Notification.user_id == operator.id)).all()
