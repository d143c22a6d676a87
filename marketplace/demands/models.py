"""Demands, the platforms a firm chose to contact, and confidential attachments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import Organization
from ..core.models import LabelList, UTCDateTime, new_ref, utcnow
from ..core.state import Workflow
from ..core.timeutil import local_today
from ..extensions import db
from ..platforms.models import Platform

#: draft → open → fulfilled | withdrawn | expired; a closed demand can be reopened.
DEMAND_WORKFLOW = Workflow(
    object_type="demand",
    labels=vocab.DEMAND_STATUSES,
    transitions={
        ("draft", "publish"): "open",
        ("open", "fulfil"): "fulfilled",
        ("open", "withdraw"): "withdrawn",
        ("open", "expire"): "expired",
        ("draft", "withdraw"): "withdrawn",
        ("fulfilled", "reopen"): "open",
        ("withdrawn", "reopen"): "open",
        ("expired", "reopen"): "open",
    },
)
DEMAND_ACTIONS = {"publish": "发布", "fulfil": "标记为已对接完成", "withdraw": "撤回", "reopen": "重新开放"}


class Demand(db.Model):
    __tablename__ = "demands"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("dem"))  #: interchange key
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  #: public summary
    domains: Mapped[list[str]] = mapped_column(LabelList, default=list)
    kinds: Mapped[list[str]] = mapped_column(LabelList, default=list)  #: offering kinds needed
    trl: Mapped[int | None] = mapped_column(Integer)  #: technology readiness level 1-9
    budget_max: Mapped[float | None] = mapped_column(Float)  #: yuan
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)  #: after it an open demand expires
    city_preference: Mapped[list[str]] = mapped_column(LabelList, default=list)
    confidential_detail: Mapped[str] = mapped_column(Text, default="")  #: only owner, admins, contacted platforms
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    contacts: Mapped[list[DemandContact]] = relationship(back_populates="demand", cascade="all, delete-orphan")
    attachments: Mapped[list[DemandAttachment]] = relationship(
        back_populates="demand", cascade="all, delete-orphan", order_by="DemandAttachment.id"
    )

    @property
    def status_label(self) -> str:
        return vocab.DEMAND_STATUSES[self.status]

    @property
    def is_open(self) -> bool:
        return self.status == "open" and (self.deadline is None or self.deadline >= local_today())


class DemandContact(db.Model):
    """A platform the firm chose to contact about a demand; it may then read the confidential part."""

    __tablename__ = "demand_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    demand: Mapped[Demand] = relationship(back_populates="contacts")
    platform: Mapped[Platform] = relationship()

    __table_args__ = (UniqueConstraint("demand_id", "platform_id"),)


class DemandAttachment(db.Model):
    __tablename__ = "demand_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    demand: Mapped[Demand] = relationship(back_populates="attachments")
