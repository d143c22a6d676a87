"""Typical cases (典型案例遴选): a yearly selection round per category with a quota, platforms'
nominations with their evidence (completed bookings and orders of their own), experts' rubric
scores, the administrator's audited selection, and the public showcase of the selected cases."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import User
from ..attachments.models import Attachment, HasAttachments
from ..bookings.models import Booking
from ..core.models import StrEnumColumn, UTCDateTime, new_ref, utcnow
from ..core.state import Workflow
from ..extensions import db
from ..platforms.models import Platform


class CaseCategory(StrEnum):
    SERVICE = "service"  #: 中试服务
    SOLUTION = "solution"  #: 解决方案
    APPLICATION = "application"  #: 应用案例


class RoundPhase(StrEnum):
    DRAFT = "draft"
    NOMINATING = "nominating"
    REVIEWING = "reviewing"
    PUBLISHED = "published"


RP = RoundPhase
#: draft → nominations open → expert review → published (the selection is fixed then).
ROUND_WORKFLOW = Workflow(
    object_type="case_round",
    states=RoundPhase,
    labels=vocab.ROUND_PHASES,
    transitions={
        (RP.DRAFT, "open"): RP.NOMINATING,
        (RP.NOMINATING, "start_review"): RP.REVIEWING,
        (RP.REVIEWING, "publish"): RP.PUBLISHED,
    },
    action_labels=vocab.ROUND_ACTIONS,
)


class SelectionRound(db.Model):
    __tablename__ = "case_rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("round"))
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: How many cases each category selects at most: {"service": 5, "solution": 5, "application": 5}.
    quotas: Mapped[dict] = mapped_column(JSON, default=lambda: {c.value: 5 for c in CaseCategory})
    nomination_deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[RoundPhase] = mapped_column(StrEnumColumn(RoundPhase), default=RP.DRAFT, index=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nominations: Mapped[list[CaseNomination]] = relationship(back_populates="round")

    @property
    def status_label(self) -> str:
        return ROUND_WORKFLOW.label(self.status)

    @property
    def is_published(self) -> bool:
        return self.status == RP.PUBLISHED


class NominationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    WITHDRAWN = "withdrawn"


N = NominationStatus
#: A platform's nomination: draft → submitted (returned for correction and submitted again, or
#: withdrawn); in review the administrator selects within the quota (and may undo it) until the round
#: is published, when the rest become 未入选.
NOMINATION_WORKFLOW = Workflow(
    object_type="case_nomination",
    states=NominationStatus,
    labels=vocab.NOMINATION_STATUSES,
    transitions={
        (N.DRAFT, "submit"): N.SUBMITTED,
        (N.RETURNED, "submit"): N.SUBMITTED,
        (N.SUBMITTED, "return"): N.RETURNED,
        (N.DRAFT, "withdraw"): N.WITHDRAWN,
        (N.SUBMITTED, "withdraw"): N.WITHDRAWN,
        (N.RETURNED, "withdraw"): N.WITHDRAWN,
        (N.SUBMITTED, "select"): N.SELECTED,
        (N.SELECTED, "unselect"): N.SUBMITTED,
        (N.SUBMITTED, "not_select"): N.NOT_SELECTED,
    },
    action_labels=vocab.NOMINATION_ACTIONS,
)

#: The completed bookings and orders a nomination cites as evidence (verified to be the platform's own).
case_evidence = Table(
    "case_evidence",
    db.metadata,
    Column("nomination_id", ForeignKey("case_nominations.id", ondelete="CASCADE"), primary_key=True),
    Column("booking_id", ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True),
)


class CaseNomination(HasAttachments, db.Model):
    __tablename__ = "case_nominations"
    __attachment_owner__ = "case_nomination"  #: images (public once selected) and other files
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("case"))
    round_id: Mapped[int] = mapped_column(ForeignKey("case_rounds.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    category: Mapped[CaseCategory] = mapped_column(StrEnumColumn(CaseCategory, 20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")  #: the firm's problem
    approach: Mapped[str] = mapped_column(Text, default="")  #: what was done
    results: Mapped[str] = mapped_column(Text, default="")  #: results with figures
    status: Mapped[NominationStatus] = mapped_column(
        StrEnumColumn(NominationStatus), default=N.DRAFT, index=True
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_comment: Mapped[str] = mapped_column(Text, default="")
    #: The experts' mean of the rubric means (0-100), set when scores change; None: not scored yet.
    score: Mapped[float | None] = mapped_column(Float)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[SelectionRound] = relationship(back_populates="nominations")
    platform: Mapped[Platform] = relationship()
    evidence: Mapped[list[Booking]] = relationship(secondary=case_evidence, order_by=Booking.completed_at)
    reviews: Mapped[list[CaseReview]] = relationship(
        back_populates="nomination", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return NOMINATION_WORKFLOW.label(self.status)

    @property
    def category_label(self) -> str:
        return vocab.CASE_CATEGORIES[self.category]

    @property
    def is_selected(self) -> bool:
        return self.status == N.SELECTED

    @property
    def images(self) -> list[Attachment]:
        return [a for a in self.attachments_for("image") if a.is_image]


class CaseReview(db.Model):
    """An expert assigned to a nomination, and their rubric scores (0-100 each) once submitted."""

    __tablename__ = "case_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("case_nominations.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    innovation: Mapped[int | None] = mapped_column(SmallInteger)  #: 创新性
    demonstration: Mapped[int | None] = mapped_column(SmallInteger)  #: 示范引领
    replicability: Mapped[int | None] = mapped_column(SmallInteger)  #: 可复制推广
    effect: Mapped[int | None] = mapped_column(SmallInteger)  #: 实际成效
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    nomination: Mapped[CaseNomination] = relationship(back_populates="reviews")
    expert: Mapped[User] = relationship(foreign_keys=[expert_id])

    __table_args__ = (UniqueConstraint("nomination_id", "expert_id", name="uq_case_review_expert"),)

    @property
    def mean(self) -> float | None:
        """The mean of the four criteria, or None until all are scored."""
        points = [getattr(self, c) for c in vocab.CASE_CRITERIA]
        return None if any(p is None for p in points) else sum(points) / len(points)
