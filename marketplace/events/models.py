"""Events that platforms host (大赛, 前沿技术讲座, 开放日, plan 五(五)) and the registrations for them.

An event's seats are counted in `registered_count`, changed only by a conditional UPDATE in the same
transaction as the registration (services.register), so concurrent registrations never overbook."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import User
from ..core.models import StrEnumColumn, UTCDateTime, utcnow
from ..core.state import Workflow
from ..extensions import db
from ..platforms.models import Platform


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


S = EventStatus
#: draft → published → cancelled (registrants are told); a draft may be dropped by cancelling it too.
EVENT_WORKFLOW = Workflow(
    object_type="event",
    states=EventStatus,
    labels=vocab.EVENT_STATUSES,
    transitions={
        (S.DRAFT, "publish"): S.PUBLISHED,
        (S.DRAFT, "cancel"): S.CANCELLED,
        (S.PUBLISHED, "cancel"): S.CANCELLED,
    },
    action_labels={"publish": "发布", "cancel": "取消活动"},
)


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    CANCELLED = "cancelled"


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_status_starts", "status", "starts_at"),
        CheckConstraint("capacity IS NULL OR registered_count <= capacity", name="seats"),
        CheckConstraint("registered_count >= 0", name="seats_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  #: vocab.EVENT_KINDS
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    city: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(200))  #: the address, or 线上 with the meeting's name
    #: seats; None: no limit
    capacity: Mapped[int | None] = mapped_column(Integer)
    registered_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: registration closes then (None: when the event starts)
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[EventStatus] = mapped_column(StrEnumColumn(EventStatus), default=S.DRAFT)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    platform: Mapped[Platform] = relationship()

    @property
    def kind_label(self) -> str:
        return vocab.EVENT_KINDS.get(self.kind, self.kind)

    @property
    def is_draft(self) -> bool:
        return self.status == S.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == S.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == S.CANCELLED

    @property
    def closes_at(self) -> datetime:
        return self.registration_deadline or self.starts_at

    @property
    def is_past(self) -> bool:
        return self.ends_at <= utcnow()

    @property
    def is_open_for_registration(self) -> bool:
        return self.status == S.PUBLISHED and utcnow() < self.closes_at

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.registered_count, 0)

    @property
    def status_label(self) -> str:
        if self.status == S.PUBLISHED:
            if self.is_past:
                return "已结束"
            if utcnow() >= self.starts_at:
                return "进行中"
            if not self.is_open_for_registration:
                return "报名已截止"
            if self.seats_left == 0:
                return "名额已满"
        return vocab.EVENT_STATUSES[self.status]


class EventRegistration(db.Model):
    """One user's registration for an event (one row per user and event: registering again after
    cancelling reuses it). `reminded_at`: the reminder before the start was sent."""

    __tablename__ = "event_registrations"
    __change_scopes__ = (("user", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        StrEnumColumn(RegistrationStatus), default=RegistrationStatus.REGISTERED
    )
    phone: Mapped[str] = mapped_column(String(30), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    @property
    def status_label(self) -> str:
        return vocab.REGISTRATION_STATUSES[self.status]

    @property
    def is_active(self) -> bool:
        return self.status == RegistrationStatus.REGISTERED
