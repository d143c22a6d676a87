"""Bookings and orders, blocked periods of bookable offerings, reviews and outcomes, calendar feeds.

A *booking* reserves a window and a quantity of a bookable offering; an *order* is agreed service
work (an accepted proposal or quote) with frozen price and terms. Both follow one workflow."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import Organization, User
from ..attachments.models import HasAttachments
from ..core.models import StrEnumColumn, UTCDateTime, new_ref, utcnow
from ..core.state import Workflow
from ..extensions import db
from ..offerings.models import Offering
from ..platforms.models import Platform


class BookingKind(StrEnum):
    BOOKING = "booking"  #: a window on a bookable offering
    ORDER = "order"  #: agreed work from an accepted proposal or quote


class BookingStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    NO_SHOW = "no_show"


B = BookingStatus
#: requested → accepted | declined | expired | cancelled; accepted → in progress | cancelled | no-show;
#: in progress → completed (the platform reports) → confirmed (the firm, or automatically).
BOOKING_WORKFLOW = Workflow(
    object_type="booking",
    states=BookingStatus,
    labels=vocab.BOOKING_STATUSES,
    transitions={
        (B.REQUESTED, "accept"): B.ACCEPTED,
        (B.REQUESTED, "decline"): B.DECLINED,
        (B.REQUESTED, "expire"): B.EXPIRED,
        (B.REQUESTED, "cancel"): B.CANCELLED,
        (B.ACCEPTED, "cancel"): B.CANCELLED,
        (B.ACCEPTED, "start"): B.IN_PROGRESS,
        (B.ACCEPTED, "no_show"): B.NO_SHOW,
        (B.IN_PROGRESS, "complete"): B.COMPLETED,
        (B.COMPLETED, "confirm"): B.CONFIRMED,
    },
    action_labels=vocab.BOOKING_ACTIONS,
)
#: Who may take each action (the system also accepts 即时预约 requests, expires and auto-confirms).
FIRM_ACTIONS = ("cancel", "confirm")
PLATFORM_ACTIONS = ("accept", "decline", "cancel", "start", "complete", "no_show")
#: Actions that need a reason the other side reads.
REASON_REQUIRED = ("decline", "cancel")
#: States in which a booking holds capacity of its offering.
HOLDING = (B.ACCEPTED, B.IN_PROGRESS)
#: States in which the work is done (ratings, outcomes, evaluation evidence).
DONE = (B.COMPLETED, B.CONFIRMED)


class Outcome(StrEnum):
    """What became of the firm's result after the pilot work (reported and updated by the firm)."""

    PRODUCTION = "production"  #: 已量产
    REPEAT = "repeat"  #: 需再次中试
    ABANDONED = "abandoned"  #: 终止
    ONGOING = "ongoing"  #: 进行中


class Booking(HasAttachments, db.Model):
    __tablename__ = "bookings"
    __attachment_owner__ = "booking"  #: the firm's request files and the platform's completion report
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("bk"))
    kind: Mapped[BookingKind] = mapped_column(StrEnumColumn(BookingKind, 10), default=BookingKind.BOOKING)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the firm
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id", ondelete="SET NULL"), index=True)
    #: The accepted proposal or quote an order came from.
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))  #: the offering's title, or the order's
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  #: bookings only
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    #: Frozen when requested (bookings) or accepted (orders): the price, its unit and how it was computed.
    price_amount: Mapped[float | None] = mapped_column(Float)  #: yuan; None when 面议
    price_unit: Mapped[str | None] = mapped_column(String(10))
    price_basis: Mapped[str] = mapped_column(String(200), default="")  #: e.g. "3 天 × 2 台 × 1,200 元/天"
    terms: Mapped[str] = mapped_column(Text, default="")  #: orders: scope, deliverables, lead time
    status: Mapped[BookingStatus] = mapped_column(
        StrEnumColumn(BookingStatus), default=B.REQUESTED, index=True
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The platform's first answer (accept or decline): response time for dashboards and evaluation.
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completion_report: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[Outcome | None] = mapped_column(StrEnumColumn(Outcome, 12))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offering: Mapped[Offering | None] = relationship()
    platform: Mapped[Platform] = relationship()
    organization: Mapped[Organization] = relationship()
    requested_by: Mapped[User | None] = relationship()
    review: Mapped[Review | None] = relationship(back_populates="booking", uselist=False)

    __table_args__ = (
        db.Index("ix_bookings_offering_window", "offering_id", "status", "start_at", "end_at"),
        # the firms' and the platforms' lists, newest first
        db.Index("ix_bookings_org_created", "org_id", "created_at"),
        db.Index("ix_bookings_platform_created", "platform_id", "created_at"),
        # the firms' to-dos (work to confirm, rate, record the outcome of), counted and listed from the index
        db.Index("ix_bookings_org_status_done", "org_id", "status", "completed_at", "outcome"),
    )

    @property
    def status_label(self) -> str:
        return BOOKING_WORKFLOW.label(self.status)

    @property
    def kind_label(self) -> str:
        return vocab.BOOKING_KINDS[self.kind]

    @property
    def price_text(self) -> str:
        if self.price_amount is None:
            return vocab.NEGOTIABLE
        value = self.price_amount
        return f"{value:,.0f} 元" if float(value).is_integer() else f"{value:,.2f} 元"

    @property
    def outcome_label(self) -> str:
        return vocab.OUTCOMES[self.outcome] if self.outcome else ""


class Review(db.Model):
    """The firm's rating of completed work (1-5, one per booking) and the platform's one public answer."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    booking: Mapped[Booking] = relationship(back_populates="review")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class OfferingBlock(db.Model):
    """A period in which a bookable offering cannot be booked (maintenance, internal use)."""

    __tablename__ = "offering_blocks"
    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offering: Mapped[Offering] = relationship()


class CalendarFeed(db.Model):
    """A secret, revocable iCalendar URL: a user's own bookings, or (platform_id set) a platform's
    whole schedule. Only the token's SHA-256 is stored; a new token replaces (revokes) the old one."""

    __tablename__ = "calendar_feeds"
    __change_scopes__ = (("user", "user_id"),)  #: whose signed-in pages its rows change (core.changes)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
