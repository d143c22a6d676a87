"""Yearly performance evaluation of platforms (绩效评价).

A campaign (one per year) holds its own indicator system: dimensions → indicators, each with a
weight (points; the weights of a campaign sum to 100), a source and a scoring rule. Every approved
platform takes part (`CampaignParticipant`); each indicator gets one `IndicatorValue` per participant:
the raw value with its derivation (computed), the platform's figure with evidence (self-reported) or
the experts' mean (expert). `scoring.compute` turns values into scores, totals, ranks and grades."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import User
from ..attachments.models import HasAttachments
from ..core.models import StrEnumColumn, UTCDateTime, new_ref, utcnow
from ..core.state import Workflow
from ..extensions import db
from ..platforms.models import Platform


class CampaignPhase(StrEnum):
    DRAFT = "draft"
    SELF_REPORT = "self_report"
    EXPERT_REVIEW = "expert_review"
    COMPUTED = "computed"
    PUBLISHED = "published"
    LOCKED = "locked"


P = CampaignPhase
#: draft → self-report open → expert review → results computed (again as often as needed, or back to
#: review) → published → locked. Every change is audited (core.state).
CAMPAIGN_WORKFLOW = Workflow(
    object_type="evaluation_campaign",
    states=CampaignPhase,
    labels=vocab.CAMPAIGN_PHASES,
    transitions={
        (P.DRAFT, "open_self_report"): P.SELF_REPORT,
        (P.SELF_REPORT, "start_review"): P.EXPERT_REVIEW,
        (P.EXPERT_REVIEW, "compute"): P.COMPUTED,
        (P.COMPUTED, "compute"): P.COMPUTED,
        (P.COMPUTED, "reopen_review"): P.EXPERT_REVIEW,
        (P.COMPUTED, "publish"): P.PUBLISHED,
        (P.PUBLISHED, "lock"): P.LOCKED,
    },
    action_labels=vocab.CAMPAIGN_ACTIONS,
)
#: Phases whose results anybody may read (the public results page and API).
PUBLIC_PHASES = (P.PUBLISHED, P.LOCKED)


class IndicatorSource(StrEnum):
    COMPUTED = "computed"  #: from the marketplace's own data (`metrics.METRICS[indicator.metric]`)
    SELF_REPORTED = "self_reported"  #: the platform's figure with evidence
    EXPERT = "expert"  #: the assigned experts' points


class ScoringRule(StrEnum):
    MINMAX = "minmax"  #: 100 × (v − min) / (max − min) across participants
    TARGET = "target"  #: 100 × v / target, at most 100 (lower-is-better: 100 × target / v)
    BANDS = "bands"  #: the score of the best band reached: [{"at": 10, "score": 60}, …]
    EXPERT = "expert"  #: the experts' points (0-100) as they are


class EvaluationCampaign(db.Model):
    __tablename__ = "evaluation_campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("eval"))
    year: Mapped[int] = mapped_column(Integer, unique=True)  #: the year evaluated (its data)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CampaignPhase] = mapped_column(StrEnumColumn(CampaignPhase), default=P.DRAFT, index=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    self_report_deadline: Mapped[date | None] = mapped_column(Date)  #: last local day to submit
    #: Lowest total of each grade: {"excellent": 90, "good": 75, "pass": 60}; below "pass" is "fail".
    grade_thresholds: Mapped[dict] = mapped_column(
        JSON, default=lambda: {"excellent": 90.0, "good": 75.0, "pass": 60.0}
    )
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The province median of each indicator, stored with the results (services.province_medians):
    #: {code: {"value": …, "score": …}}; None for results stored before medians were.
    medians: Mapped[dict | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dimensions: Mapped[list[EvaluationDimension]] = relationship(
        back_populates="campaign", order_by="EvaluationDimension.position", cascade="all, delete-orphan"
    )
    indicators: Mapped[list[EvaluationIndicator]] = relationship(
        back_populates="campaign",
        order_by="(EvaluationIndicator.dimension_id, EvaluationIndicator.position)",
        cascade="all, delete-orphan",
        overlaps="dimension,indicators",
    )
    participants: Mapped[list[CampaignParticipant]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return CAMPAIGN_WORKFLOW.label(self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == P.DRAFT

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_PHASES

    @property
    def is_locked(self) -> bool:
        return self.status == P.LOCKED

    @property
    def weight_total(self) -> float:
        return sum(i.weight for i in self.indicators)


class EvaluationDimension(db.Model):
    """A domain of the indicator system (研究开发, 成果转化, 共享服务, 运行管理)."""

    __tablename__ = "evaluation_dimensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_campaigns.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    campaign: Mapped[EvaluationCampaign] = relationship(back_populates="dimensions")
    #: loaded with the dimensions (one statement for all of them: pages show each dimension's weight)
    indicators: Mapped[list[EvaluationIndicator]] = relationship(
        back_populates="dimension",
        order_by="EvaluationIndicator.position",
        overlaps="campaign,indicators",
        lazy="selectin",
    )

    __table_args__ = (UniqueConstraint("campaign_id", "code", name="uq_dimension_code"),)

    @property
    def weight(self) -> float:
        return sum(i.weight for i in self.indicators)


class EvaluationIndicator(db.Model):
    __tablename__ = "evaluation_indicators"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_campaigns.id", ondelete="CASCADE"), index=True
    )
    dimension_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_dimensions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))  #: stable key: API `indicators` and export columns
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")  #: what counts, shown beside the value
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    weight: Mapped[float] = mapped_column(Float)  #: points out of the campaign's 100
    source: Mapped[IndicatorSource] = mapped_column(StrEnumColumn(IndicatorSource, 20))
    metric: Mapped[str | None] = mapped_column(String(40))  #: computed: the key in metrics.METRICS
    unit: Mapped[str] = mapped_column(String(20), default="")
    rule: Mapped[ScoringRule] = mapped_column(StrEnumColumn(ScoringRule, 10))
    target: Mapped[float | None] = mapped_column(Float)  #: rule "target"
    bands: Mapped[list | None] = mapped_column(JSON)  #: rule "bands": [{"at": x, "score": s}, …]
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)

    campaign: Mapped[EvaluationCampaign] = relationship(back_populates="indicators", overlaps="indicators")
    dimension: Mapped[EvaluationDimension] = relationship(back_populates="indicators", overlaps="indicators")

    __table_args__ = (UniqueConstraint("campaign_id", "code", name="uq_indicator_code"),)

    @property
    def source_label(self) -> str:
        return vocab.INDICATOR_SOURCES[self.source]

    @property
    def rule_label(self) -> str:
        return vocab.SCORING_RULES[self.rule]


class SelfReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"


R = SelfReportStatus
#: The platform's self-report: draft → submitted; an administrator may return it for correction.
SELF_REPORT_WORKFLOW = Workflow(
    object_type="evaluation_self_report",
    states=SelfReportStatus,
    labels=vocab.SELF_REPORT_STATUSES,
    transitions={
        (R.DRAFT, "submit"): R.SUBMITTED,
        (R.RETURNED, "submit"): R.SUBMITTED,
        (R.SUBMITTED, "return"): R.RETURNED,
    },
    action_labels=vocab.SELF_REPORT_ACTIONS,
)


class CampaignParticipant(HasAttachments, db.Model):
    """A platform in a campaign: its self-report (status, evidence files) and its result."""

    __tablename__ = "campaign_participants"
    __attachment_owner__ = "evaluation_self_report"  #: evidence of the self-reported figures
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_campaigns.id", ondelete="CASCADE"), index=True
    )
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    #: Self-report (the workflow's `status`).
    status: Mapped[SelfReportStatus] = mapped_column(StrEnumColumn(SelfReportStatus), default=R.DRAFT)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_comment: Mapped[str] = mapped_column(Text, default="")  #: the administrator's, when returned
    extended_until: Mapped[date | None] = mapped_column(Date)  #: an administrator's extension of the deadline
    #: Results (scoring.compute): total of 0-100, overall rank, grade, per-dimension subtotals and ranks.
    total: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(20))
    dimension_scores: Mapped[dict | None] = mapped_column(JSON)  #: {dimension code: {"score", "rank"}}
    flags: Mapped[list | None] = mapped_column(JSON)  #: keys of vocab.EVALUATION_FLAGS

    campaign: Mapped[EvaluationCampaign] = relationship(back_populates="participants")
    platform: Mapped[Platform] = relationship()
    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="participant", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("campaign_id", "platform_id", name="uq_campaign_platform"),)

    @property
    def status_label(self) -> str:
        return SELF_REPORT_WORKFLOW.label(self.status)

    @property
    def grade_label(self) -> str:
        return vocab.GRADES.get(self.grade or "", "")

    @property
    def deadline(self) -> date | None:
        """The last local day this platform may submit: the campaign's, or its extension."""
        return self.extended_until or self.campaign.self_report_deadline


class IndicatorValue(db.Model):
    """One indicator of one participant: the raw value, where it came from, and its score."""

    __tablename__ = "indicator_values"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_participants.id", ondelete="CASCADE"), index=True
    )
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_indicators.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[float | None] = mapped_column(Float)  #: None: no data (scores 0)
    #: Computed: how the value was derived ({"count": n, "bookings": [refs], "note": …});
    #: expert: {"scores": [..], "rule": "…", "dropped": [..]}.
    derivation: Mapped[dict | None] = mapped_column(JSON)
    evidence: Mapped[str] = mapped_column(Text, default="")  #: self-reported: the platform's explanation
    score: Mapped[float | None] = mapped_column(Float)  #: 0-100, set by compute (or a correction)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    participant: Mapped[CampaignParticipant] = relationship(back_populates="values")
    indicator: Mapped[EvaluationIndicator] = relationship()

    __table_args__ = (UniqueConstraint("participant_id", "indicator_id", name="uq_value_indicator"),)


class EvaluationAssignment(db.Model):
    """An expert assigned to score one participant on the campaign's expert indicators."""

    __tablename__ = "evaluation_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_campaigns.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_participants.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")  #: the expert's overall comment
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: None: not yet scored

    participant: Mapped[CampaignParticipant] = relationship()
    expert: Mapped[User] = relationship(foreign_keys=[expert_id])
    scores: Mapped[list[ExpertScore]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("participant_id", "expert_id", name="uq_assignment_expert"),)

    @property
    def status(self) -> AssignmentStatus:
        """Stored as `submitted_at` (None: not yet submitted); ASSIGNMENT_WORKFLOW moves it."""
        return AssignmentStatus.ASSIGNED if self.submitted_at is None else AssignmentStatus.SUBMITTED

    @status.setter
    def status(self, value: str) -> None:
        self.submitted_at = None if value == AssignmentStatus.ASSIGNED else (self.submitted_at or utcnow())

    @property
    def status_label(self) -> str:
        return ASSIGNMENT_WORKFLOW.label(self.status)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"


#: An expert's scoring of one participant: assigned → submitted (then read-only); an administrator
#: may reopen a submission with a reason. Every change is audited (core.state).
ASSIGNMENT_WORKFLOW = Workflow(
    object_type="evaluation_assignment",
    states=AssignmentStatus,
    labels=vocab.EXPERT_ASSIGNMENT_STATUSES,
    transitions={
        (AssignmentStatus.ASSIGNED, "submit"): AssignmentStatus.SUBMITTED,
        (AssignmentStatus.SUBMITTED, "reopen"): AssignmentStatus.ASSIGNED,
    },
    action_labels=vocab.EXPERT_ASSIGNMENT_ACTIONS,
)


class ExpertScore(db.Model):
    """An expert's points (0-100) for one expert indicator of one participant."""

    __tablename__ = "expert_scores"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_assignments.id", ondelete="CASCADE"), index=True
    )
    indicator_id: Mapped[int] = mapped_column(ForeignKey("evaluation_indicators.id", ondelete="CASCADE"))
    points: Mapped[float] = mapped_column(Float)

    assignment: Mapped[EvaluationAssignment] = relationship(back_populates="scores")
    indicator: Mapped[EvaluationIndicator] = relationship()

    __table_args__ = (UniqueConstraint("assignment_id", "indicator_id", name="uq_expert_score"),)


class ScoreCorrection(db.Model):
    """A change to a published result: who, when, why, the old and the new value (public history)."""

    __tablename__ = "score_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_campaigns.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("campaign_participants.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("evaluation_indicators.id", ondelete="CASCADE"))
    old_value: Mapped[float | None] = mapped_column(Float)
    new_value: Mapped[float | None] = mapped_column(Float)
    old_total: Mapped[float | None] = mapped_column(Float)
    new_total: Mapped[float | None] = mapped_column(Float)
    #: Other participants whose total moved with it (min-max rules compare across platforms):
    #: [{"platform_id": …, "old": …, "new": …}, …]
    knock_on: Mapped[list | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped[CampaignParticipant] = relationship()
    indicator: Mapped[EvaluationIndicator] = relationship()
    by: Mapped[User | None] = relationship()
