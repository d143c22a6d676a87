"""Experts in a campaign: administrators assign them to participants, experts score the expert
indicators of the participants assigned to them.

Rules (every page and the API go through these functions):
- an expert never scores a platform of their own organisation nor one they declared a conflict with
  (`experts.services.conflict_reason`);
- assignments are made and removed only while the campaign is in self-report or expert review, and
  removed only before the expert submitted;
- experts score only in expert review: points of 0-100 (an integer or one decimal) for every expert
  indicator and an overall comment; a draft may be incomplete, a submission may not; a submission is
  read-only until an administrator reopens it with a reason (audited: ASSIGNMENT_WORKFLOW);
- experts see their own assignments only, never another expert's scores.
The caller commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import signals
from ..core.errors import Conflict, DomainError, Forbidden
from ..core.models import AuditLog, utcnow
from ..core.numbers import Bounds
from ..core.urls import external_url
from ..experts import registry
from ..experts.registry import AssignmentItem
from ..experts.services import conflict_reason
from ..extensions import db
from . import scoring
from .models import (
    ASSIGNMENT_WORKFLOW,
    CAMPAIGN_WORKFLOW,
    CampaignParticipant,
    CampaignPhase,
    EvaluationAssignment,
    EvaluationCampaign,
    EvaluationIndicator,
    ExpertScore,
    IndicatorSource,
)

#: Phases in which administrators assign and unassign experts.
ASSIGNABLE_PHASES = (CampaignPhase.SELF_REPORT, CampaignPhase.EXPERT_REVIEW)
#: The phase in which experts score.
SCORING_PHASE = CampaignPhase.EXPERT_REVIEW
COMMENT_MAX = 5000
REASON_MAX = 2000


def points_bounds(indicator: EvaluationIndicator) -> Bounds:
    return Bounds(f"“{indicator.name}”的评分", 0, 100, unit=" 分")


def _require_admin(user) -> None:
    if not (user and user.is_admin):
        raise Forbidden()


def _require_expert(user) -> None:
    if not (user and user.is_expert):
        raise Forbidden()


def derivation_path(campaign: EvaluationCampaign, participant: CampaignParticipant, code: str) -> str:
    """The public derivation page of a computed value (evaluation's results pages)."""
    return f"/evaluation/{campaign.year}/platforms/{participant.platform.ref}/indicators/{code}"


def expert_indicators(campaign: EvaluationCampaign) -> list[EvaluationIndicator]:
    """The indicators experts score, in the campaign's order."""
    return [i for i in campaign.indicators if i.source == IndicatorSource.EXPERT]


# ---------------------------------------------------------------- administrators


def campaign_for_year(year: int) -> EvaluationCampaign:
    campaign = db.session.scalar(select(EvaluationCampaign).where(EvaluationCampaign.year == year))
    if campaign is None:
        raise LookupError(year)
    return campaign


def campaigns() -> list[EvaluationCampaign]:
    """Every campaign, the newest year first (the administrators' list)."""
    return list(db.session.scalars(select(EvaluationCampaign).order_by(EvaluationCampaign.year.desc())))


def participants_of(campaign: EvaluationCampaign) -> list[CampaignParticipant]:
    """The campaign's participants by platform name, with their assignments loaded."""
    rows = db.session.scalars(
        select(CampaignParticipant)
        .where(CampaignParticipant.campaign_id == campaign.id)
        .options(selectinload(CampaignParticipant.platform))
    )
    return sorted(rows, key=lambda p: (p.platform.name, p.id))


def get_participant(admin, campaign: EvaluationCampaign, participant_id: int) -> CampaignParticipant:
    _require_admin(admin)
    participant = db.session.get(CampaignParticipant, participant_id)
    if participant is None or participant.campaign_id != campaign.id:
        raise LookupError(participant_id)
    return participant


def assignments_of_participant(participant: CampaignParticipant) -> list[EvaluationAssignment]:
    return list(
        db.session.scalars(
            select(EvaluationAssignment)
            .where(EvaluationAssignment.participant_id == participant.id)
            .order_by(EvaluationAssignment.assigned_at, EvaluationAssignment.id)
        )
    )


def _check_assignable(campaign: EvaluationCampaign) -> None:
    if campaign.status not in ASSIGNABLE_PHASES:
        raise Conflict(
            (
                "status",
                f"评价处于“{campaign.status_label}”阶段：只有在自评填报或专家评审阶段可以分配或撤销专家。",
            )
        )


def _existing(participant: CampaignParticipant, expert) -> EvaluationAssignment | None:
    return db.session.scalar(
        select(EvaluationAssignment).where(
            EvaluationAssignment.participant_id == participant.id, EvaluationAssignment.expert_id == expert.id
        )
    )


def refusal(participant: CampaignParticipant, expert) -> str | None:
    """Why `expert` cannot be assigned to `participant` now (not an expert, a conflict, already
    assigned), or None."""
    if not expert.is_expert or not expert.is_enabled:
        return "该账户不是可用的评审专家账户。"
    reason = conflict_reason(expert, participant.platform)
    if reason:
        return reason
    if _existing(participant, expert) is not None:
        return "已分配"
    return None


def assign(admin, participant: CampaignParticipant, expert) -> EvaluationAssignment:
    """Assign one expert to one participant (the expert is told)."""
    _require_admin(admin)
    _check_assignable(participant.campaign)
    why = refusal(participant, expert)
    if why:
        raise DomainError(("expert_ids", f"不能分配{expert.name}：{why}。"))
    assignment = _create(admin, participant, expert)
    _tell_assigned(expert, [assignment])
    return assignment


def _create(admin, participant, expert) -> EvaluationAssignment:
    assignment = EvaluationAssignment(
        campaign_id=participant.campaign_id,
        participant=participant,
        expert_id=expert.id,
        expert=expert,
        assigned_by_id=admin.id,
    )
    db.session.add(assignment)
    db.session.flush()
    ASSIGNMENT_WORKFLOW.record_entry(assignment, by=admin)
    return assignment


@dataclass
class BulkResult:
    """What a bulk assignment did: who was assigned where, and who was skipped and why."""

    assigned: list[EvaluationAssignment] = field(default_factory=list)
    #: (participant, expert, reason)
    skipped: list[tuple[CampaignParticipant, object, str]] = field(default_factory=list)


def assign_many(
    admin, campaign: EvaluationCampaign, experts: Iterable, participants: Iterable[CampaignParticipant]
) -> BulkResult:
    """Assign the same experts to many participants, skipping (never failing on) the pairs that may
    not be assigned; each expert gets one notice listing their new platforms."""
    _require_admin(admin)
    _check_assignable(campaign)
    experts, participants = list(experts), list(participants)
    if not experts:
        raise DomainError(("expert_ids", "请至少选择一位专家。"))
    if not participants:
        raise DomainError(("participant_ids", "请至少选择一个参评平台。"))
    if any(p.campaign_id != campaign.id for p in participants):
        raise DomainError(("participant_ids", "所选平台不属于本次评价。"))
    result = BulkResult()
    for participant in participants:
        for expert in experts:
            why = refusal(participant, expert)
            if why:
                result.skipped.append((participant, expert, why))
            else:
                result.assigned.append(_create(admin, participant, expert))
    by_expert: dict[int, list[EvaluationAssignment]] = {}
    for assignment in result.assigned:
        by_expert.setdefault(assignment.expert_id, []).append(assignment)
    for items in by_expert.values():
        _tell_assigned(items[0].expert, items)
    return result


def _tell_assigned(expert, assignments: list[EvaluationAssignment]) -> None:
    campaign = assignments[0].participant.campaign
    names = "、".join(f"“{a.participant.platform.name}”" for a in assignments)
    signals.notice.send(
        campaign,
        users=[expert],
        message=f"您被分配参与{campaign.title}的专家评审：{names}。专家评审阶段开放后请在评审工作台评分。",
        link=external_url("experts.workspace"),
    )


def unassign(admin, assignment: EvaluationAssignment) -> None:
    """Remove an assignment the expert has not submitted (the expert is told)."""
    _require_admin(admin)
    participant = assignment.participant
    _check_assignable(participant.campaign)
    if assignment.is_submitted:
        raise Conflict(("status", f"{assignment.expert.name}已提交评分，不能撤销分配。"))
    signals.notice.send(
        participant.campaign,
        users=[assignment.expert],
        message=f"管理员撤销了您对“{participant.platform.name}”（{participant.campaign.title}）的评审分配。",
        link=external_url("experts.workspace"),
    )
    _remove(assignment, admin, "管理员撤销分配")


def _remove(assignment: EvaluationAssignment, by, reason: str) -> None:
    """Delete an unsubmitted assignment, leaving an audit row (its state → removed) behind."""
    db.session.add(
        AuditLog(
            at=utcnow(),
            actor_id=getattr(by, "id", None),
            object_type=ASSIGNMENT_WORKFLOW.object_type,
            object_id=assignment.id,
            old_state=assignment.status.value,
            new_state="removed",
            reason=reason,
            details={"participant_id": assignment.participant_id, "expert_id": assignment.expert_id},
        )
    )
    db.session.delete(assignment)
    db.session.flush()


def check_reopen(reason: str | None) -> None:
    if not (reason or "").strip():
        raise DomainError(("reason", "请填写退回重评的原因（专家可见）。"))
    if len(reason.strip()) > REASON_MAX:
        raise DomainError(("reason", f"原因不能超过 {REASON_MAX} 个字符。"))


def reopen(admin, assignment: EvaluationAssignment, reason: str | None) -> None:
    """Reopen one submission for the expert to change, with a reason (audited; the expert is told)."""
    _require_admin(admin)
    check_reopen(reason)
    campaign = assignment.participant.campaign
    if campaign.status != SCORING_PHASE:
        raise Conflict(("status", f"评价处于“{campaign.status_label}”阶段：只有在专家评审阶段可以退回重评。"))
    ASSIGNMENT_WORKFLOW.apply(assignment, "reopen", by=admin, reason=reason.strip())
    signals.notice.send(
        assignment,
        users=[assignment.expert],
        message=f"管理员退回了您对“{assignment.participant.platform.name}”的评分，请修改后重新提交。"
        f"原因：{reason.strip()}",
        link=external_url("expert_review.score", assignment_id=assignment.id),
    )


@dataclass(frozen=True)
class IndicatorMean:
    indicator: EvaluationIndicator
    points: list[tuple[str, float]]  #: (expert's name, points) of the submitted scores
    mean: scoring.ExpertMean


def submitted_points(participant: CampaignParticipant) -> dict[str, list[float]]:
    """{indicator code: the points of every submitted assignment} of one participant: what the
    experts' mean is taken of (scoring.expert_mean)."""
    points: dict[str, list[float]] = {i.code: [] for i in expert_indicators(participant.campaign)}
    for assignment in assignments_of_participant(participant):
        if assignment.is_submitted:
            for score in assignment.scores:
                points.setdefault(score.indicator.code, []).append(score.points)
    return points


def means(participant: CampaignParticipant) -> list[IndicatorMean]:
    """Per expert indicator: the submitted scores with their experts, and the mean that will be used
    with its rule (administrators only; experts never see each other's scores)."""
    submitted = [a for a in assignments_of_participant(participant) if a.is_submitted]
    out = []
    for indicator in expert_indicators(participant.campaign):
        points = [
            (a.expert.name, s.points) for a in submitted for s in a.scores if s.indicator_id == indicator.id
        ]
        out.append(IndicatorMean(indicator, points, scoring.expert_mean([p for _, p in points])))
    return out


# ---------------------------------------------------------------- experts


def assignments_of(expert, campaign: EvaluationCampaign | None = None) -> list[EvaluationAssignment]:
    """The expert's own assignments, the newest campaign first, then by platform name."""
    _require_expert(expert)
    stmt = select(EvaluationAssignment).where(EvaluationAssignment.expert_id == expert.id)
    if campaign is not None:
        stmt = stmt.where(EvaluationAssignment.campaign_id == campaign.id)
    rows = list(db.session.scalars(stmt))
    return sorted(rows, key=lambda a: (-a.participant.campaign.year, a.participant.platform.name, a.id))


def get_for_expert(expert, assignment_id: int) -> EvaluationAssignment:
    """One of the expert's own assignments: LookupError when missing, Forbidden when another's."""
    _require_expert(expert)
    assignment = db.session.get(EvaluationAssignment, assignment_id)
    if assignment is None:
        raise LookupError(assignment_id)
    if assignment.expert_id != expert.id:
        raise Forbidden()
    return assignment


def is_assigned_expert(user, participant: CampaignParticipant) -> bool:
    """Whether `user` is an expert assigned to `participant` (who may then read its self-report and
    evidence: for the self-report's attachment rules)."""
    if not (user and getattr(user, "is_expert", False)):
        return False
    return (
        db.session.scalar(
            select(EvaluationAssignment.id).where(
                EvaluationAssignment.participant_id == participant.id,
                EvaluationAssignment.expert_id == user.id,
            )
        )
        is not None
    )


def can_score(assignment: EvaluationAssignment) -> bool:
    return assignment.participant.campaign.status == SCORING_PHASE and not assignment.is_submitted


def scores_by_code(assignment: EvaluationAssignment) -> dict[str, float]:
    return {s.indicator.code: s.points for s in assignment.scores}


def validate_scores(
    campaign: EvaluationCampaign, scores: Mapping[str, object], comment: str | None, submit: bool
) -> None:
    """The scores' own validation (no side effects): known expert indicators, points of 0-100 with
    at most one decimal; to submit, every indicator scored and the comment written. Fields are named
    `scores.<indicator code>` and `comment`."""
    indicators = {i.code: i for i in expert_indicators(campaign)}
    errors = []
    for code, value in scores.items():
        indicator = indicators.get(code)
        if indicator is None:
            errors.append((f"scores.{code}", "不是本次评价需要专家打分的指标。"))
            continue
        if value is None:
            continue
        message = points_bounds(indicator).problem(value)
        if message is None and abs(value * 10 - round(value * 10)) > 1e-6:
            message = f"“{indicator.name}”的评分最多保留一位小数。"
        if message:
            errors.append((f"scores.{code}", message))
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        errors.append(("comment", f"总体评语不能超过 {COMMENT_MAX} 个字符。"))
    if submit:
        for code, indicator in indicators.items():
            if scores.get(code) is None:
                errors.append((f"scores.{code}", f"提交前请为“{indicator.name}”打分。"))
        if not text:
            errors.append(("comment", "请填写总体评语。"))
    if errors:
        raise DomainError(*errors)


def save_scores(
    expert, assignment: EvaluationAssignment, scores: Mapping[str, object], comment: str | None, submit: bool
) -> EvaluationAssignment:
    """Save the expert's scores and comment as they are given (an indicator left out is unscored);
    with `submit`, submit them (read-only afterwards)."""
    if assignment.expert_id != getattr(expert, "id", None) or not expert.is_expert:
        raise Forbidden()
    campaign = assignment.participant.campaign
    if campaign.status != SCORING_PHASE:
        raise Conflict(("status", f"评价处于“{campaign.status_label}”阶段：只有在专家评审阶段可以评分。"))
    if assignment.is_submitted:
        raise Conflict(("status", "评分已提交，不能再修改；如需修改，请联系管理员退回。"))
    validate_scores(campaign, scores, comment, submit)
    given = {code: float(value) for code, value in scores.items() if value is not None}
    existing = {s.indicator.code: s for s in assignment.scores}
    for indicator in expert_indicators(campaign):
        score = existing.get(indicator.code)
        if indicator.code not in given:
            if score is not None:
                assignment.scores.remove(score)
        elif score is None:
            assignment.scores.append(_new_score(indicator, given[indicator.code]))
        else:
            score.points = given[indicator.code]
    assignment.comment = (comment or "").strip()
    db.session.flush()
    if submit:
        ASSIGNMENT_WORKFLOW.apply(assignment, "submit", by=expert)
    return assignment


def _new_score(indicator, points: float) -> ExpertScore:
    return ExpertScore(indicator_id=indicator.id, indicator=indicator, points=points)


# ---------------------------------------------------------------- the experts' workspace


def _item(assignment: EvaluationAssignment) -> AssignmentItem:
    participant = assignment.participant
    campaign = participant.campaign
    return AssignmentItem(
        title=campaign.title,
        platform=participant.platform.name,
        status_label=assignment.status_label,
        url=url_for("expert_review.score", assignment_id=assignment.id),
        phase=CAMPAIGN_WORKFLOW.label(campaign.status),
    )


def pending_items(expert) -> list[AssignmentItem]:
    """Unsubmitted assignments of campaigns still in self-report or review."""
    return [
        _item(a)
        for a in assignments_of(expert)
        if not a.is_submitted and a.participant.campaign.status in ASSIGNABLE_PHASES
    ]


def done_items(expert) -> list[AssignmentItem]:
    return [_item(a) for a in assignments_of(expert) if a.is_submitted]


def withdraw(expert, platform, by) -> list[AssignmentItem]:
    """Remove `expert`'s unsubmitted assignments to `platform` in campaigns still assigning (a
    conflict they just declared)."""
    removed = []
    for assignment in assignments_of(expert):
        participant = assignment.participant
        if (
            participant.platform_id == platform.id
            and not assignment.is_submitted
            and participant.campaign.status in ASSIGNABLE_PHASES
        ):
            removed.append(_item(assignment))
            _remove(assignment, by, "专家声明利益冲突")
    return removed


def submitted_for(expert, platform) -> list[AssignmentItem]:
    return [
        _item(a)
        for a in assignments_of(expert)
        if a.participant.platform_id == platform.id
        and a.is_submitted
        and a.participant.campaign.status in ASSIGNABLE_PHASES
    ]


def register() -> None:
    """List the evaluation's assignments in the experts' workspace."""
    registry.register_assignments(
        "evaluation",
        "绩效评价",
        pending=pending_items,
        done=done_items,
        withdraw=withdraw,
        submitted_for=submitted_for,
    )
