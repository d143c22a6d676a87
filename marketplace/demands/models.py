"""Demands, the platforms a firm chose to contact, and confidential attachments (`HasAttachments`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import Organization
from ..attachments.models import HasAttachments
from ..core import changes
from ..core.labels import Labels
from ..core.models import StrEnumColumn, UTCDateTime, new_ref, utcnow
from ..core.numbers import MONEY_MAX, Bounds
from ..core.state import Workflow
from ..core.timeutil import local_today
from ..extensions import db
from ..matching.registry import Searchable
from ..offerings.models import Offering
from ..platforms.models import Platform


class DemandStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    HIDDEN = "hidden"  #: hidden by an administrator for breaking the rules (restored by one)


S = DemandStatus
#: draft → open → fulfilled | withdrawn | expired; a closed demand can be reopened. An administrator
#: hides an open demand that breaks the rules, and restores it.
DEMAND_WORKFLOW = Workflow(
    object_type="demand",
    states=DemandStatus,
    labels=vocab.DEMAND_STATUSES,
    transitions={
        (S.DRAFT, "publish"): S.OPEN,
        (S.OPEN, "fulfil"): S.FULFILLED,
        (S.OPEN, "withdraw"): S.WITHDRAWN,
        (S.OPEN, "expire"): S.EXPIRED,
        (S.DRAFT, "withdraw"): S.WITHDRAWN,
        (S.FULFILLED, "reopen"): S.OPEN,
        (S.WITHDRAWN, "reopen"): S.OPEN,
        (S.EXPIRED, "reopen"): S.OPEN,
        (S.OPEN, "hide"): S.HIDDEN,
        (S.HIDDEN, "restore"): S.OPEN,
    },
    action_labels={
        "publish": "发布",
        "fulfil": "标记为已对接完成",
        "withdraw": "撤回",
        "reopen": "重新开放",
        "expire": "过期",
        "hide": "隐藏（违反规则）",
        "restore": "恢复展示",
    },
)
#: What the firm does from the demand page (`expire` is the system's, by the deadline).
OWNER_ACTIONS = ("publish", "fulfil", "withdraw", "reopen")
#: What administrators do to a demand that breaks the rules (the firm is told why).
MODERATION_ACTIONS = ("hide", "restore")

#: Every number of a demand and its bounds (service, form, import: core/numbers.py).
NUMBERS = {
    "trl": Bounds("技术成熟度", 1, 9, integer=True),
    "budget_max": Bounds("预算", 0, MONEY_MAX, "元"),
}


class Demand(Searchable, HasAttachments, db.Model):
    __tablename__ = "demands"
    __search_type__ = "demand"
    __attachment_owner__ = "demand"  #: confidential files: readable like `confidential_detail`
    __table_args__ = (Index("ix_demands_status_published", "status", "published_at", "id"),)  #: the hall
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("dem"))  #: interchange key
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  #: public summary
    domains = Labels("demand_domains")
    kinds = Labels("demand_kinds")  #: offering kinds needed
    trl: Mapped[int | None] = mapped_column(Integer)  #: technology readiness level 1-9
    budget_max: Mapped[float | None] = mapped_column(Float)  #: yuan
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)  #: after it an open demand expires
    city_preference = Labels("demand_city_preferences")
    confidential_detail: Mapped[str] = mapped_column(
        Text, default=""
    )  #: only owner, admins, contacted platforms
    #: Posted anonymously: the firm's name is shown only to the readers of the confidential part.
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[DemandStatus] = mapped_column(StrEnumColumn(DemandStatus), default=S.DRAFT, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    contacts: Mapped[list[DemandContact]] = relationship(
        back_populates="demand", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return vocab.DEMAND_STATUSES[self.status]

    @property
    def public_name(self) -> str:
        """The firm as the public sees it: its name, or “某企业（匿名）” for an anonymous demand."""
        return vocab.ANONYMOUS_FIRM if self.is_anonymous else self.organization.name

    @hybrid_property
    def is_open(self) -> bool:
        """The one definition of an open demand: published, and its deadline not passed."""
        return self.status == S.OPEN and (self.deadline is None or self.deadline >= local_today())

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        return and_(cls.status == S.OPEN, or_(cls.deadline.is_(None), cls.deadline >= local_today()))


class DemandContact(db.Model):
    """A platform the firm chose to contact about a demand; it may then read the confidential part."""

    __tablename__ = "demand_contacts"
    __change_scopes__ = (("demand", "demand_id"), ("platform", "platform_id"))  #: both sides' pages
    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    demand: Mapped[Demand] = relationship(back_populates="contacts")
    platform: Mapped[Platform] = relationship()

    __table_args__ = (UniqueConstraint("demand_id", "platform_id"),)


class MatchFeedback(db.Model):
    """A firm's judgement of one offering matched to its demand: useful or not, with an optional reason.

    One row per (demand, offering): judging again replaces it. Kept with the match's place and score
    when judged; exported as judged qrels (`services.feedback_qrels`) so the matcher is measured on
    real feedback (`bench/eval_matching.py --live`)."""

    __tablename__ = "match_feedback"
    __change_scopes__ = (("demand", "demand_id"),)  #: the demand's page shows it
    id: Mapped[int] = mapped_column(primary_key=True)
    #: indexed by the unique (demand, offering) constraint
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"))
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    useful: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int | None] = mapped_column(Integer)  #: 1-based place in the list when judged
    score: Mapped[float | None] = mapped_column(Float)  #: the match score when judged
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    demand: Mapped[Demand] = relationship()
    offering: Mapped[Offering] = relationship()

    __table_args__ = (UniqueConstraint("demand_id", "offering_id"),)


changes.register_owner("demand", Demand)
