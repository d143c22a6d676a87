"""The platforms' self-report (自评填报) and the administrators' handling of it.

Who sees a self-report (values, explanations, evidence files), before and after publication alike:
the platform's operators, administrators, and the experts assigned to that participant
(`EvaluationAssignment`), the last two read-only. Nobody else: another platform, a firm or an
anonymous visitor gets a 404 (`get_visible` raises LookupError / Forbidden).

The platform's operators save a draft whenever the campaign is in its self-report phase and the report
is a draft or was returned; they submit until the end of the last local day of `participant.deadline`
(the campaign's, or an administrator's extension), with every self-reported value filled (0 is a value)
and evidence files when a figure is not 0. An administrator returns a submitted report with a comment
(the workflow's audit row keeps it as the reason) or extends the deadline (an audit row of its own,
`details.action == "extend"`); the operators are told both (signals.notice). The caller commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import func, select

from .. import signals
from ..attachments.services import register_owner
from ..core.errors import Conflict, DomainError, Forbidden, load_permitted
from ..core.models import AuditLog, with_related
from ..core.numbers import Bounds
from ..core.timeutil import local_today, utcnow
from ..core.urls import external_url
from ..extensions import db
from ..platforms import services as platform_services
from ..platforms.models import Platform
from ..platforms.services import operators_of
from .models import (
    SELF_REPORT_WORKFLOW,
    CampaignParticipant,
    CampaignPhase,
    EvaluationAssignment,
    EvaluationCampaign,
    EvaluationIndicator,
    IndicatorSource,
    IndicatorValue,
    SelfReportStatus,
)

#: The largest figure a platform may report (万元, 件, 人 …).
VALUE_MAX = 10_000_000
#: Percentages may exceed 100 (growth), never by absurd amounts.
PERCENT_MAX = 1000
#: Units that count whole things: their figures are integers (2.5 patents is no figure).
COUNT_UNITS = frozenset({"件", "项", "人", "家", "个", "次", "台", "套", "篇", "名"})
EXPLANATION_MAX = 2000
COMMENT_MAX = 2000
#: An extension reaches at most this far ahead (a typing error of the year is refused).
EXTENSION_MAX_DAYS = 366
#: The audit row of an extension (no state change): `details["action"]`.
EXTEND_ACTION = "extend"
#: The purpose of evidence files (every upload names one).
EVIDENCE = "evidence"

S = SelfReportStatus
EDITABLE_STATUSES = (S.DRAFT, S.RETURNED)


# ---------------------------------------------------------------- the indicators a report holds


def value_field(code: str) -> str:
    """The name of an indicator's number, in forms and in refusals (`DomainError` fields)."""
    return f"value_{code}"


def explanation_field(code: str) -> str:
    return f"explanation_{code}"


class FigureBounds(Bounds):
    """Bounds whose messages write the maximum in digits ("0 到 10,000,000 万元", never "1000 万万元")."""

    @property
    def range_text(self) -> str:
        return f"{self.minimum:,.0f} 到 {self.maximum:,.0f} {self.unit}".rstrip() + " "


def bounds_for(indicator: EvaluationIndicator) -> Bounds:
    """What a platform may report for `indicator`: finite, ≥ 0, within a sensible maximum, whole
    numbers for counted units."""
    return FigureBounds(
        indicator.name,
        0,
        PERCENT_MAX if indicator.unit == "%" else VALUE_MAX,
        unit=indicator.unit,
        integer=indicator.unit in COUNT_UNITS,
    )


def self_reported_indicators(campaign: EvaluationCampaign) -> list[EvaluationIndicator]:
    return [i for i in campaign.indicators if i.source == IndicatorSource.SELF_REPORTED]


def other_indicators(campaign: EvaluationCampaign) -> list[EvaluationIndicator]:
    """Indicators the platform does not fill (computed from marketplace data, or the experts')."""
    return [i for i in campaign.indicators if i.source != IndicatorSource.SELF_REPORTED]


def rows(participant: CampaignParticipant) -> list[tuple[EvaluationIndicator, IndicatorValue | None]]:
    """Each self-reported indicator of the campaign with this participant's value row (None: none yet)."""
    by_indicator = {v.indicator_id: v for v in participant.values}
    return [(i, by_indicator.get(i.id)) for i in self_reported_indicators(participant.campaign)]


def _value_row(participant: CampaignParticipant, indicator: EvaluationIndicator) -> IndicatorValue:
    for value in participant.values:
        if value.indicator_id == indicator.id:
            return value
    value = IndicatorValue(indicator=indicator)
    participant.values.append(value)
    return value


# ---------------------------------------------------------------- who may do what


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_operator_of(user, participant: CampaignParticipant) -> bool:
    """One of the platform's operators (its organisation's operator accounts)."""
    return platform_services.can_manage(user, participant.platform)


def is_assigned_expert(user, participant: CampaignParticipant) -> bool:
    if not (_authenticated(user) and user.is_expert):
        return False
    found = db.session.scalar(
        select(EvaluationAssignment.id).where(
            EvaluationAssignment.participant_id == participant.id, EvaluationAssignment.expert_id == user.id
        )
    )
    return found is not None


def can_view(user, participant: CampaignParticipant) -> bool:
    """The platform's operators, administrators and the experts assigned to this participant."""
    if not _authenticated(user):
        return False
    return user.is_admin or is_operator_of(user, participant) or is_assigned_expert(user, participant)


def is_editable(participant: CampaignParticipant) -> bool:
    """The report may change: the campaign takes self-reports and this one is a draft or returned."""
    return editing_refusal(participant) is None


def can_edit(user, participant: CampaignParticipant) -> bool:
    return is_operator_of(user, participant) and is_editable(participant)


def is_late(participant: CampaignParticipant, today: date | None = None) -> bool:
    """The last local day to submit has passed (no deadline: never late)."""
    deadline = participant.deadline
    return deadline is not None and (today or local_today()) > deadline


def is_overdue(participant: CampaignParticipant) -> bool:
    """Still to submit (a draft or returned) and the deadline has passed: an extension is needed."""
    return participant.status in EDITABLE_STATUSES and is_late(participant)


def can_administer(user, participant: CampaignParticipant) -> dict[str, bool]:
    """What an administrator may do to this report now (the page offers only these)."""
    admin = _authenticated(user) and user.is_admin
    open_phase = participant.campaign.status == CampaignPhase.SELF_REPORT
    return {
        "return": admin and open_phase and SELF_REPORT_WORKFLOW.can(participant, "return"),
        "extend": admin and open_phase and participant.status != S.SUBMITTED,
    }


def get_visible(user, participant_id: int) -> CampaignParticipant:
    """The participant if `user` may read its self-report; LookupError / Forbidden (answered 404)."""
    return load_permitted(CampaignParticipant, participant_id, lambda p: can_view(user, p))


def get_by_year_and_platform(user, year: int, platform_ref: str) -> CampaignParticipant:
    """The participation of platform `platform_ref` in the campaign of `year`, if `user` may read it."""
    participant = db.session.scalar(
        select(CampaignParticipant)
        .join(EvaluationCampaign, CampaignParticipant.campaign_id == EvaluationCampaign.id)
        .join(Platform, CampaignParticipant.platform_id == Platform.id)
        .where(EvaluationCampaign.year == year, Platform.ref == platform_ref)
    )
    if participant is None:
        raise LookupError(platform_ref)
    if not can_view(user, participant):
        raise Forbidden()
    return participant


def _require_operator(user, participant: CampaignParticipant) -> None:
    if not is_operator_of(user, participant):
        raise Forbidden()


def _require_admin(user) -> None:
    if not (_authenticated(user) and user.is_admin):
        raise Forbidden()


def editing_refusal(participant: CampaignParticipant) -> str | None:
    """Why the report cannot change now, or None when it can."""
    if participant.campaign.status != CampaignPhase.SELF_REPORT:
        return "本年度评价当前不在自评填报阶段，自评不能修改或提交。"
    if participant.status not in EDITABLE_STATUSES:
        return "自评已提交，不能再修改；如需更正，请联系管理员退回。"
    return None


def _require_editable(participant: CampaignParticipant) -> None:
    if refusal := editing_refusal(participant):
        raise Conflict(("status", refusal))


# ---------------------------------------------------------------- lists


def participations_of(user) -> list[CampaignParticipant]:
    """The operator's platforms in every campaign, the latest year first."""
    if not (_authenticated(user) and user.is_operator):
        return []
    return list(
        db.session.scalars(
            select(CampaignParticipant)
            .join(EvaluationCampaign, CampaignParticipant.campaign_id == EvaluationCampaign.id)
            .join(Platform, CampaignParticipant.platform_id == Platform.id)
            .where(Platform.org_id == user.org_id)
            .order_by(EvaluationCampaign.year.desc(), Platform.name, Platform.id)
        )
    )


def due_expressions(user) -> dict[str, object]:
    """The operator's participations ("self_report_links") and self-reports still to submit
    ("self_reports_due": the campaign takes self-reports, this one is a draft or returned), as scalar
    subqueries (the navigation reads them with its other counts)."""
    due = CampaignParticipant.status.in_(EDITABLE_STATUSES) & (
        EvaluationCampaign.status == CampaignPhase.SELF_REPORT
    )
    mine = (
        select(func.count(CampaignParticipant.id))
        .join(EvaluationCampaign, CampaignParticipant.campaign_id == EvaluationCampaign.id)
        .join(Platform, CampaignParticipant.platform_id == Platform.id)
        .where(Platform.org_id == user.org_id)
    )
    return {
        "self_report_links": mine.scalar_subquery(),
        "self_reports_due": mine.where(due).scalar_subquery(),
    }


def campaigns_with_self_reports() -> list[tuple[EvaluationCampaign, dict[str, int]]]:
    """Campaigns past their draft, the latest first, each with its participants counted by status."""
    campaigns = list(
        db.session.scalars(
            select(EvaluationCampaign)
            .where(EvaluationCampaign.status != CampaignPhase.DRAFT)
            .order_by(EvaluationCampaign.year.desc())
        )
    )
    return [(c, status_counts(c)) for c in campaigns]


def status_counts(campaign: EvaluationCampaign) -> dict[str, int]:
    counts = dict.fromkeys((s.value for s in S), 0)
    for status, count in db.session.execute(
        select(CampaignParticipant.status, func.count(CampaignParticipant.id))
        .where(CampaignParticipant.campaign_id == campaign.id)
        .group_by(CampaignParticipant.status)
    ):
        counts[str(status)] = count
    return counts


def participants_query(campaign: EvaluationCampaign, status: str | None = None):
    """The campaign's participants for the administrators' list, by platform name; one status or all."""
    stmt = (
        select(CampaignParticipant)
        .join(Platform, CampaignParticipant.platform_id == Platform.id)
        .where(CampaignParticipant.campaign_id == campaign.id)
        .options(*with_related(CampaignParticipant.platform))
        .order_by(Platform.name, Platform.id)
    )
    if status:
        stmt = stmt.where(CampaignParticipant.status == status)
    return stmt


def history(participant: CampaignParticipant) -> list[AuditLog]:
    """Submissions, returns (with the comment) and extensions, oldest first."""
    return SELF_REPORT_WORKFLOW.history(participant)


# ---------------------------------------------------------------- the platform fills and submits


def validate_entries(campaign: EvaluationCampaign, entries: Mapping[str, Mapping]) -> None:
    """Refuse (beside each field) what cannot be stored: unknown indicators, numbers out of their
    bounds, explanations too long. `entries`: {indicator code: {"value": …, "explanation": …}}, each
    key optional. Changes nothing."""
    indicators = {i.code: i for i in self_reported_indicators(campaign)}
    errors: list[tuple[str, str]] = []
    for code, entry in entries.items():
        indicator = indicators.get(code)
        if indicator is None:
            errors.append((value_field(code), "不是本次评价需要平台填报的指标。"))
            continue
        if "value" in entry and (message := bounds_for(indicator).problem(entry["value"])):
            errors.append((value_field(code), message))
        explanation = entry.get("explanation")
        if explanation is not None and len(explanation) > EXPLANATION_MAX:
            errors.append((explanation_field(code), f"说明不能超过 {EXPLANATION_MAX} 个字。"))
    if errors:
        raise DomainError(*errors)


def save_self_report(user, participant: CampaignParticipant, entries: Mapping[str, Mapping]) -> None:
    """Store the platform's figures and explanations (a draft: values may be missing). Only the keys
    given change; a value of None clears the figure."""
    _require_operator(user, participant)
    _require_editable(participant)
    validate_entries(participant.campaign, entries)
    indicators = {i.code: i for i in self_reported_indicators(participant.campaign)}
    for code, entry in entries.items():
        row = _value_row(participant, indicators[code])
        if "value" in entry:
            value = entry["value"]
            row.value = None if value is None else float(value)
        if "explanation" in entry:
            row.evidence = (entry["explanation"] or "").strip()
    db.session.flush()


def submission_problems(participant: CampaignParticipant) -> list[tuple[str, str]]:
    """What stops the stored report from being submitted: missing figures, missing evidence."""
    problems = [
        (value_field(i.code), f"请填写“{i.name}”（没有请填 0）。")
        for i, value in rows(participant)
        if value is None or value.value is None
    ]
    has_figures = any(value is not None and value.value for _i, value in rows(participant))
    if has_figures and not any(a.purpose == EVIDENCE for a in participant.attachments):
        problems.append((EVIDENCE, "请上传佐证材料（财务报表、专利证书、标准文本、人员名单等）后再提交。"))
    return problems


def submit_self_report(user, participant: CampaignParticipant) -> None:
    """Submit the stored report: before the end of the deadline's local day, every figure filled."""
    _require_operator(user, participant)
    _require_editable(participant)
    if is_late(participant):
        raise Conflict(
            (
                "status",
                f"自评提交截止日期（{participant.deadline.isoformat()}）已过，"
                "逾期提交需要管理员批准延期，请联系管理员。",
            )
        )
    if problems := submission_problems(participant):
        raise DomainError(*problems)
    SELF_REPORT_WORKFLOW.apply(participant, "submit", by=user)
    participant.submitted_at = utcnow()


# ---------------------------------------------------------------- administrators


def check_return(comment: str | None) -> None:
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(("comment", "请填写退回意见（平台将看到）。"))
    if len(comment) > COMMENT_MAX:
        raise DomainError(("comment", f"退回意见不能超过 {COMMENT_MAX} 个字。"))


def return_self_report(user, participant: CampaignParticipant, comment: str | None) -> None:
    """Send a submitted report back for correction; the comment is the audited reason and the
    operators read it (notice with a link)."""
    _require_admin(user)
    check_return(comment)
    if participant.campaign.status != CampaignPhase.SELF_REPORT:
        raise Conflict(("status", "自评填报阶段已结束，不能再退回自评。"))
    comment = (comment or "").strip()
    SELF_REPORT_WORKFLOW.apply(participant, "return", by=user, reason=comment)
    participant.return_comment = comment
    message = (
        f"您的平台“{participant.platform.name}”{participant.campaign.year} 年度绩效自评被管理员退回修改。"
        f"意见：{comment}"
    )
    if is_late(participant):
        message += "（提交截止日期已过，修改后请联系管理员延期再提交。）"
    _tell_operators(participant, message)


def check_extension(participant: CampaignParticipant, until: date | None, reason: str | None = None) -> None:
    errors = []
    today = local_today()
    original = participant.campaign.self_report_deadline
    if until is None:
        errors.append(("until", "请选择延期后的截止日期。"))
    elif until < today:
        errors.append(("until", "延期后的截止日期不能早于今天。"))
    elif original is not None and until <= original:
        errors.append(("until", f"延期后的截止日期应晚于原截止日期 {original.isoformat()}。"))
    elif until > today + timedelta(days=EXTENSION_MAX_DAYS):
        errors.append(("until", f"延期不能超过 {EXTENSION_MAX_DAYS} 天。"))
    if reason and len(reason) > COMMENT_MAX:
        errors.append(("reason", f"说明不能超过 {COMMENT_MAX} 个字。"))
    if errors:
        raise DomainError(*errors)


def extend_deadline(
    user, participant: CampaignParticipant, until: date | None, reason: str | None = None
) -> None:
    """Let this platform submit until the end of local day `until` (not in the past). Audited like a
    transition (an AuditLog row for the report, `details`: action, new and previous date); the
    operators are told."""
    _require_admin(user)
    check_extension(participant, until, reason)
    if participant.campaign.status != CampaignPhase.SELF_REPORT:
        raise Conflict(("status", "自评填报阶段已结束，不能再延期。"))
    if participant.status == S.SUBMITTED:
        raise Conflict(("status", "自评已提交，无需延期；如需平台修改，请先退回。"))
    previous = participant.extended_until
    participant.extended_until = until
    reason = (reason or "").strip() or None
    db.session.add(
        AuditLog(
            at=utcnow(),
            actor_id=user.id,
            object_type=SELF_REPORT_WORKFLOW.object_type,
            object_id=participant.id,
            old_state=participant.status,
            new_state=participant.status,
            reason=reason,
            details={
                "action": EXTEND_ACTION,
                "extended_until": until.isoformat(),
                "previous": previous.isoformat() if previous else None,
            },
        )
    )
    message = (
        f"管理员已将您的平台“{participant.platform.name}”{participant.campaign.year} 年度绩效自评的"
        f"提交截止日期延至 {until.isoformat()}（当天 24 时前）。"
    )
    if reason:
        message += f"说明：{reason}"
    _tell_operators(participant, message)


def _tell_operators(participant: CampaignParticipant, message: str) -> None:
    if signals.notice.is_muted:  # replaying history (demo data): nobody to tell
        return
    users = operators_of(participant.platform)
    link = external_url("selfreport.detail", participant_id=participant.id)
    signals.notice.send(participant, users=users, message=message, link=link)


# ---------------------------------------------------------------- evidence files

register_owner(
    CampaignParticipant,
    can_view=can_view,
    can_manage=can_edit,
    url=lambda participant: url_for("selfreport.detail", participant_id=participant.id) + "#evidence",
    purposes=(EVIDENCE,),
)
