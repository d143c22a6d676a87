"""Unanswered requests expire and completed work the firm leaves is confirmed, both sides told."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.bookings.models import BOOKING_WORKFLOW
from marketplace.core.models import OutgoingMail, utcnow
from marketplace.notifications.models import Notification
from tests import factories


def _told(db, user) -> list[str]:
    return [
        n.message for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))
    ]


def _on_the_quarter(moment):
    """The periodic job runs every 15 minutes: a moment at which it is due."""
    return moment.replace(minute=0, second=0, microsecond=0)


def _operator(booking):
    return factories.UserFactory(role="operator", organization=booking.platform.organization)


def test_unanswered_requests_expire_after_the_configured_days(db, app, jobs, freeze_now):
    now = freeze_now(_on_the_quarter(utcnow()))
    booking = factories.BookingFactory(status="requested", created_at=now)
    fresh = factories.BookingFactory(status="requested", created_at=now + timedelta(days=2))
    operator = _operator(booking)
    db.session.commit()
    days = app.config["BOOKING_EXPIRE_DAYS"]

    before = freeze_now(now + timedelta(days=days) - timedelta(minutes=15))
    jobs.run_periodic(before)
    db.session.refresh(booking)
    assert booking.status == "requested"

    later = freeze_now(now + timedelta(days=days, minutes=15))
    jobs.run_periodic(later)
    db.session.refresh(booking), db.session.refresh(fresh)
    assert (booking.status, fresh.status) == ("expired", "requested")
    assert BOOKING_WORKFLOW.history(booking)[-1].actor_id is None  # the system
    assert any("自动过期" in m for m in _told(db, booking.requested_by))
    assert any("自动过期" in m for m in _told(db, operator))
    assert {booking.requested_by.email, operator.email} <= set(
        db.session.scalars(select(OutgoingMail.recipient))
    )


def test_a_request_whose_start_has_passed_expires(db, jobs, freeze_now):
    booking = factories.BookingFactory(status="requested")
    db.session.commit()
    moment = freeze_now(_on_the_quarter(booking.start_at) + timedelta(minutes=15))
    jobs.run_periodic(moment)
    db.session.refresh(booking)
    assert booking.status == "expired"


def test_completed_work_is_confirmed_automatically_after_the_configured_days(db, app, jobs, freeze_now):
    now = freeze_now(_on_the_quarter(utcnow()))
    booking = factories.BookingFactory(status="completed", completed_at=now)
    operator = _operator(booking)
    db.session.commit()
    days = app.config["BOOKING_AUTO_CONFIRM_DAYS"]

    before = freeze_now(now + timedelta(days=days) - timedelta(minutes=15))
    jobs.run_periodic(before)
    db.session.refresh(booking)
    assert booking.status == "completed"

    later = freeze_now(now + timedelta(days=days, minutes=15))
    jobs.run_periodic(later)
    db.session.refresh(booking)
    assert booking.status == "confirmed" and booking.confirmed_at is not None
    assert any("自动验收" in m for m in _told(db, booking.requested_by))
    assert any("自动验收" in m for m in _told(db, operator))
