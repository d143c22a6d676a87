"""A campaign's results: publication and locking, corrections after publication, and the reads the
results pages, the Excel export and the API share (the ranking, one platform's breakdown, province
medians, the experts' means, the public history of corrections).

Services take the acting user and check permission and phase here; the caller commits. Before
publication a result is changed by computing again; after it only by a recorded correction
(`correct`); a locked campaign never changes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, case, cast, func, select
from sqlalchemy.orm import selectinload

from .. import signals, vocab
from ..core.errors import Conflict, DomainError, Forbidden
from ..core.models import utcnow, with_related
from ..core.numbers import Bounds
from ..core.urls import external_url
from ..extensions import db
from ..platforms.models import Platform
from ..platforms.services import operators_of
from . import scoring
from .models import (
    CAMPAIGN_WORKFLOW,
    CampaignParticipant,
    CampaignPhase,
    EvaluationAssignment,
    EvaluationCampaign,
    EvaluationIndicator,
    ExpertScore,
    IndicatorSource,
    IndicatorValue,
    ScoreCorrection,
    ScoringRule,
)
from .services import province_medians, store_results

#: The numbers a correction may set: any indicator's raw value, and an expert indicator's points.
CORRECTED_VALUE = Bounds("更正后的数值", 0, 1_000_000_000)
EXPERT_POINTS = Bounds("专家评分", 0, 100)
REASON_MAX = 2000


def _require_admin(user) -> None:
    if not (user and getattr(user, "is_authenticated", False) and user.is_admin):
        raise Forbidden()


# ---------------------------------------------------------------- who sees which results


def may_preview(user) -> bool:
    """Administrators see a computed campaign's results before publication (marked 预览 未公布)."""
    return bool(user and getattr(user, "is_authenticated", False) and user.is_admin)


def is_visible(user, campaign: EvaluationCampaign) -> bool:
    if campaign.is_public:
        return True
    return campaign.status == CampaignPhase.COMPUTED and may_preview(user)


def campaign_for(user, year: int) -> EvaluationCampaign:
    """The campaign of `year` if this user may read its results; LookupError (answered 404) when
    there is none, or it is not published and the user may not preview it."""
    campaign = db.session.scalar(select(EvaluationCampaign).where(EvaluationCampaign.year == year))
    if campaign is None or not is_visible(user, campaign):
        raise LookupError(year)
    return campaign


def campaigns_for(user) -> list[EvaluationCampaign]:
    """Campaigns whose results this user may read, newest year first."""
    phases = [CampaignPhase.PUBLISHED, CampaignPhase.LOCKED]
    if may_preview(user):
        phases.append(CampaignPhase.COMPUTED)
    return list(
        db.session.scalars(
            select(EvaluationCampaign)
            .where(EvaluationCampaign.status.in_(phases))
            .order_by(EvaluationCampaign.year.desc())
        )
    )


# ---------------------------------------------------------------- reads


#: The longest part of a platform's name the ranking searches for.
NAME_SEARCH_MAX = 50


@dataclass(frozen=True)
class RankingFilters:
    """What a ranking table is narrowed to, each applied in SQL: a city, a grade, a follow-up flag
    (administrators) and a part of the platform's name. Ranks stay the province's."""

    city: str = ""
    grade: str = ""
    flag: str = ""
    name: str = ""

    @classmethod
    def read(cls, args, *, flags: bool = False) -> RankingFilters:
        """The filters named in a query string; unknown values filter nothing."""
        city, grade, flag = args.get("city", ""), args.get("grade", ""), args.get("flag", "")
        return cls(
            city=city if city in vocab.ALL_CITIES else "",
            grade=grade if grade in vocab.GRADES else "",
            flag=flag if flags and flag in vocab.EVALUATION_FLAGS else "",
            name=(args.get("q") or "").strip()[:NAME_SEARCH_MAX],
        )

    def __bool__(self) -> bool:
        return bool(self.city or self.grade or self.flag or self.name)

    def apply(self, stmt):
        if self.city:
            stmt = stmt.where(Platform.city == self.city)
        if self.grade:
            stmt = stmt.where(CampaignParticipant.grade == self.grade)
        if self.flag:  # the JSON list's text holds the key in quotes ("fail" is not "fail_twice")
            stmt = stmt.where(_flags_text().contains(f'"{self.flag}"'))
        if self.name:
            stmt = stmt.where(Platform.name.icontains(self.name, autoescape=True))
        return stmt


def _flags_text():
    return cast(CampaignParticipant.flags, Text)


def ranking_query(
    campaign: EvaluationCampaign, *, values: bool = True, filters: RankingFilters | None = None
):
    """Participants in ranking order: by rank, ties by the platform's ref (scoring.order's
    tie-break); participants without a result last; narrowed by `filters`. With `values`, each
    participant's indicator values too, without their derivations (each is read on its own page;
    the ranking page reads only totals, grades and subtotals: without)."""
    loaded = (
        (
            selectinload(CampaignParticipant.platform),
            selectinload(CampaignParticipant.values)
            .defer(IndicatorValue.derivation)
            .selectinload(IndicatorValue.indicator),
        )
        if values
        else with_related(CampaignParticipant.platform)
    )
    stmt = (
        select(CampaignParticipant)
        .join(Platform, Platform.id == CampaignParticipant.platform_id)
        .where(CampaignParticipant.campaign_id == campaign.id)
        .options(*loaded)
        .order_by(
            case((CampaignParticipant.rank.is_(None), 1), else_=0), CampaignParticipant.rank, Platform.ref
        )
    )
    return (filters or RankingFilters()).apply(stmt)


def ranking(campaign: EvaluationCampaign, *, values: bool = True) -> list[CampaignParticipant]:
    return list(db.session.scalars(ranking_query(campaign, values=values)))


def dimension_ranking_query(campaign: EvaluationCampaign, code: str):
    """Participants by one dimension's subtotal rank (stored in `dimension_scores`), ties by the
    platform's ref, participants without one last; with their platforms."""
    rank = CampaignParticipant.dimension_scores[(code, "rank")].as_integer()
    return (
        select(CampaignParticipant)
        .join(Platform, Platform.id == CampaignParticipant.platform_id)
        .where(CampaignParticipant.campaign_id == campaign.id)
        .options(*with_related(CampaignParticipant.platform))
        .order_by(case((rank.is_(None), 1), else_=0), rank, Platform.ref)
    )


def value_table(campaign: EvaluationCampaign) -> dict[tuple[int, str], tuple[float | None, float | None]]:
    """{(participant id, indicator code): (value, score)} of every participant, read as plain rows in
    one statement (the Excel export's 2,000 × 15 cells, without an object per value)."""
    rows = db.session.execute(
        select(
            IndicatorValue.participant_id,
            EvaluationIndicator.code,
            IndicatorValue.value,
            IndicatorValue.score,
        )
        .join(EvaluationIndicator, EvaluationIndicator.id == IndicatorValue.indicator_id)
        .where(EvaluationIndicator.campaign_id == campaign.id)
    )
    return {(participant_id, code): (value, score) for participant_id, code, value, score in rows}


def participant_for(campaign: EvaluationCampaign, ref: str) -> CampaignParticipant:
    """The participant of the platform with this ref; LookupError when it took no part."""
    participant = db.session.scalar(
        select(CampaignParticipant)
        .join(Platform, Platform.id == CampaignParticipant.platform_id)
        .where(CampaignParticipant.campaign_id == campaign.id, Platform.ref == ref)
    )
    if participant is None:
        raise LookupError(ref)
    return participant


def values_by_code(participant: CampaignParticipant) -> dict[str, IndicatorValue]:
    return {value.indicator.code: value for value in participant.values}


def points(indicator: EvaluationIndicator, value: IndicatorValue | None) -> float | None:
    """What the indicator adds to the total: weight × score / 100."""
    if value is None or value.score is None:
        return None
    return round(indicator.weight * value.score / 100.0, 2)


def medians(campaign: EvaluationCampaign, participants: list[CampaignParticipant] | None = None) -> dict:
    """The province median per indicator (`services.province_medians`): as stored with the results,
    which change only where they are stored (computing, corrections; participants and self-reports
    change only before); computed from the participants for results stored before medians were."""
    if campaign.medians is not None and all(i.code in campaign.medians for i in campaign.indicators):
        return campaign.medians
    return province_medians(campaign, ranking(campaign) if participants is None else participants)


def participant_count(campaign: EvaluationCampaign) -> int:
    return participant_counts([campaign]).get(campaign.id, 0)


def participant_counts(campaigns: list[EvaluationCampaign]) -> dict[int, int]:
    """{campaign id: its number of participants} (one statement)."""
    if not campaigns:
        return {}
    return dict(
        db.session.execute(
            select(CampaignParticipant.campaign_id, func.count(CampaignParticipant.id))
            .where(CampaignParticipant.campaign_id.in_([c.id for c in campaigns]))
            .group_by(CampaignParticipant.campaign_id)
        ).all()
    )


def grade_counts(campaign: EvaluationCampaign) -> dict[str | None, int]:
    """{grade: how many participants reached it} (None: without a result), one GROUP BY."""
    return dict(
        db.session.execute(
            select(CampaignParticipant.grade, func.count(CampaignParticipant.id))
            .where(CampaignParticipant.campaign_id == campaign.id)
            .group_by(CampaignParticipant.grade)
        ).all()
    )


def grade_distribution(counts: dict[str | None, int]) -> list[dict]:
    """How many platforms reached each grade (`grade_counts`), best first: [{"grade", "label", "count"}]."""
    return [{"grade": g, "label": label, "count": counts.get(g, 0)} for g, label in vocab.GRADES.items()]


def cities(campaign: EvaluationCampaign) -> list[str]:
    """The cities of the participating platforms, in the province's order (one DISTINCT)."""
    found = db.session.scalars(
        select(Platform.city)
        .join(CampaignParticipant, CampaignParticipant.platform_id == Platform.id)
        .where(CampaignParticipant.campaign_id == campaign.id)
        .distinct()
    )
    order = {city: index for index, city in enumerate(vocab.ALL_CITIES)}
    return sorted(found, key=lambda city: (order.get(city, len(order)), city))


@dataclass(frozen=True)
class ExpertSummary:
    """The experts' mean of one expert indicator for one platform, and how it was taken."""

    count: int
    mean: float | None
    used: tuple[float, ...]
    dropped: tuple[float, ...]
    rule: str


def expert_summaries(
    campaign: EvaluationCampaign, participants: list[CampaignParticipant]
) -> dict[tuple[int, int], ExpertSummary]:
    """The submitted expert scores of each of `participants` for each expert indicator of the campaign,
    averaged by `scoring.expert_mean` (the highest and the lowest dropped with five scores or more), from
    one statement: {(participant id, indicator id): summary}."""
    points_: dict[tuple[int, int], list[float]] = {}
    rows = db.session.execute(
        _submitted_points(
            EvaluationAssignment.participant_id, ExpertScore.indicator_id, ExpertScore.points
        ).where(EvaluationAssignment.campaign_id == campaign.id, *_among(participants))
    )
    for participant_id, indicator_id, value in rows:
        points_.setdefault((participant_id, indicator_id), []).append(value)
    experts = [i for i in campaign.indicators if i.source == IndicatorSource.EXPERT]
    return {(p.id, i.id): _summary(points_.get((p.id, i.id), [])) for p in participants for i in experts}


def _among(participants: list[CampaignParticipant]) -> tuple:
    """A condition naming a few participants (one platform's page); none for many (the whole campaign's
    export reads every row anyway, without thousands of bound values)."""
    if len(participants) > 100:
        return ()
    return (EvaluationAssignment.participant_id.in_([p.id for p in participants]),)


def _submitted_points(*columns):
    return (
        select(*columns)
        .join(EvaluationAssignment, EvaluationAssignment.id == ExpertScore.assignment_id)
        .where(EvaluationAssignment.submitted_at.is_not(None))
        .order_by(ExpertScore.id)
    )


def _summary(points_: list[float]) -> ExpertSummary:
    mean = scoring.expert_mean(points_)
    mean_value = round(mean.value, 2) if mean.value is not None else None
    return ExpertSummary(len(points_), mean_value, mean.used, mean.dropped, mean.rule)


def rule_text(indicator: EvaluationIndicator) -> str:
    """How the indicator's value becomes a score of 0-100, in plain Chinese (scoring.py's rules)."""
    unit = indicator.unit or ""
    if indicator.rule == ScoringRule.MINMAX:
        if indicator.higher_is_better:
            return (
                "参评平台间比较：(本平台数值 − 最低值) ÷ (最高值 − 最低值) × 100；"
                "数值全部相同且不为 0 时均得 100 分。"
            )
        return (
            "参评平台间比较（越低越好）：(最高值 − 本平台数值) ÷ (最高值 − 最低值) × 100；"
            "数值全部相同时均得 100 分。"
        )
    if indicator.rule == ScoringRule.TARGET:
        target = f"{indicator.target:g} {unit}".strip() if indicator.target else "目标值"
        if indicator.higher_is_better:
            return f"对标目标值：数值 ÷ {target} × 100，达到目标即满分（封顶 100 分）。"
        return f"对标目标值（越低越好）：不超过 {target} 得满分，超出时按 {target} ÷ 数值 × 100 计分。"
    if indicator.rule == ScoringRule.BANDS:
        bands = sorted(indicator.bands or (), key=lambda b: b["at"], reverse=not indicator.higher_is_better)
        sign = "≥" if indicator.higher_is_better else "≤"
        steps = "；".join(f"{sign} {b['at']:g} {unit}".rstrip() + f" 得 {b['score']:g} 分" for b in bands)
        return f"分档计分：{steps}；未达最低档得 0 分。"
    return (
        f"专家评分（0-100）：{scoring.TRIM_FROM} 位及以上专家评分时去掉一个最高分和一个最低分后取平均，"
        f"不足 {scoring.TRIM_FROM} 位取算术平均。"
    )


def corrections(
    campaign: EvaluationCampaign, participant: CampaignParticipant | None = None
) -> list[ScoreCorrection]:
    """The campaign's public history of corrections (of one participant's scores), oldest first."""
    of_participant = () if participant is None else (ScoreCorrection.participant_id == participant.id,)
    return list(
        db.session.scalars(
            select(ScoreCorrection)
            .where(ScoreCorrection.campaign_id == campaign.id, *of_participant)
            .options(
                selectinload(ScoreCorrection.participant).selectinload(CampaignParticipant.platform),
                selectinload(ScoreCorrection.indicator),
                selectinload(ScoreCorrection.by),
            )
            .order_by(ScoreCorrection.at, ScoreCorrection.id)
        )
    )


def knock_on_names(correction: ScoreCorrection) -> list[dict]:
    """The correction's knock-on, with each platform's name: [{"name", "old", "new"}]."""
    rows = correction.knock_on or []
    names = dict(
        db.session.execute(
            select(Platform.id, Platform.name).where(Platform.id.in_([r["platform_id"] for r in rows]))
        ).all()
    )
    return [
        {"name": names.get(r["platform_id"], "（已删除的平台）"), "old": r["old"], "new": r["new"]}
        for r in rows
    ]


def follow_up_query(campaign: EvaluationCampaign):
    """Flagged participants for the administrators' follow-up, the gravest flag first
    (vocab.EVALUATION_FLAGS' order), ties by the platform's ref; with their platforms."""
    flags = _flags_text()
    gravity = case(
        *((flags.contains(f'"{flag}"'), index) for index, flag in enumerate(vocab.EVALUATION_FLAGS)),
        else_=len(vocab.EVALUATION_FLAGS),
    )
    return (
        select(CampaignParticipant)
        .join(Platform, Platform.id == CampaignParticipant.platform_id)
        .where(
            CampaignParticipant.campaign_id == campaign.id,
            CampaignParticipant.flags.is_not(None),
            flags.not_in(("[]", "null")),
        )
        .options(*with_related(CampaignParticipant.platform))
        .order_by(gravity, Platform.ref)
    )


def suspension_reason(campaign: EvaluationCampaign, participant: CampaignParticipant) -> str:
    """The reason pre-filled in the platform review's suspension (the administrator may edit it)."""
    return (
        f"{campaign.year} 年度绩效评价总分 {participant.total:g} 分，等级{participant.grade_label}，"
        f"连续两年不合格，依据绩效评价结果暂停平台，请整改后申请恢复。"
    )


# ---------------------------------------------------------------- publish, lock, correct


def _has_results(campaign: EvaluationCampaign, _by):
    """Guard of publish: every participant has a computed total."""
    if not campaign.participants:
        return "没有参评平台，无法公布。"
    if any(p.total is None for p in campaign.participants):
        return "尚有平台未计算出结果，请先重新计算。"
    return None


def publish(user, campaign: EvaluationCampaign) -> None:
    """Publish computed results (administrators): the public pages and API show them, and the
    operators of every participating platform are told, with the link to their result."""
    _require_admin(user)
    _publish(campaign, by=user)


def publish_from_command_line(campaign: EvaluationCampaign) -> None:
    """`flask evaluation publish YEAR`: the same rules, audited as done from the command line."""
    _publish(campaign, by=None, reason="命令行 flask evaluation publish")


def _publish(campaign: EvaluationCampaign, *, by, reason: str | None = None) -> None:
    CAMPAIGN_WORKFLOW.apply(campaign, "publish", by=by, reason=reason, guards=(_has_results,))
    campaign.published_at = utcnow()
    if signals.notice.is_muted:  # replaying history (demo data): nobody to tell
        return
    for participant in campaign.participants:
        users = operators_of(participant.platform)
        if not users:
            continue
        link = external_url("evaluation_results.platform", year=campaign.year, ref=participant.platform.ref)
        message = (
            f"{campaign.title}结果已公布：{participant.platform.name}总分 {participant.total:g} 分，"
            f"排名第 {participant.rank} 位，等级{participant.grade_label}。"
        )
        signals.notice.send(campaign, users=users, message=message, link=link)


def lock(user, campaign: EvaluationCampaign) -> None:
    """Lock published results (administrators): no correction afterwards."""
    _require_admin(user)
    CAMPAIGN_WORKFLOW.apply(campaign, "lock", by=user)


def may_correct(user, campaign: EvaluationCampaign) -> bool:
    return may_preview(user) and campaign.status == CampaignPhase.PUBLISHED


def check_correction(campaign: EvaluationCampaign, code: str | None, value, reason: str | None) -> None:
    """The rules of a correction, side-effect free: a published, unlocked campaign, one of its
    indicators, a number within bounds, and a reason."""
    if campaign.is_locked:
        raise Conflict(("status", "结果已锁定，不能再更正。"))
    if campaign.status != CampaignPhase.PUBLISHED:
        raise Conflict(("status", "结果尚未公布：公布前如需修改数据，请重新计算结果。"))
    errors = []
    indicator = next((i for i in campaign.indicators if i.code == code), None)
    if indicator is None:
        errors.append(("indicator", "请选择本次评价的一个指标。"))
    if value is None:
        errors.append(("value", "请填写更正后的数值。"))
    else:
        bounds = (
            EXPERT_POINTS
            if indicator is not None and indicator.rule == ScoringRule.EXPERT
            else CORRECTED_VALUE
        )
        if message := bounds.problem(value):
            errors.append(("value", message))
    reason = (reason or "").strip()
    if not reason:
        errors.append(("reason", "请填写更正原因（将在结果页公开）。"))
    elif len(reason) > REASON_MAX:
        errors.append(("reason", f"更正原因不能超过 {REASON_MAX} 个字符。"))
    if errors:
        raise DomainError(*errors)


def correct(
    user, campaign: EvaluationCampaign, platform: Platform, code: str, value: float, reason: str
) -> ScoreCorrection:
    """Change one value of a published result (administrators): the value is set, every
    participant is scored again (min-max rules compare across platforms) and ONE correction is
    recorded with who, when, why, the old and new value and total, and every other platform whose
    total moved with it."""
    _require_admin(user)
    check_correction(campaign, code, value, reason)
    participant = next((p for p in campaign.participants if p.platform_id == platform.id), None)
    if participant is None:
        raise LookupError(platform.id)
    indicator = next(i for i in campaign.indicators if i.code == code)
    row = values_by_code(participant).get(code)
    if row is None:
        row = IndicatorValue(indicator=indicator, value=None)
        participant.values.append(row)
    old_value = row.value
    if old_value is not None and round(old_value, 6) == round(float(value), 6):
        raise DomainError(("value", "新数值与原数值相同，无需更正。"))
    row.value = float(value)
    moved = store_results(campaign)
    old_total, new_total = moved[participant.id]
    knock_on = [
        {
            "platform_id": p.platform_id,
            "platform_ref": p.platform.ref,
            "old": moved[p.id][0],
            "new": moved[p.id][1],
        }
        for p in sorted(campaign.participants, key=lambda p: p.platform.ref)
        if p.id != participant.id and moved[p.id][0] != moved[p.id][1]
    ]
    correction = ScoreCorrection(
        campaign_id=campaign.id,
        participant=participant,
        indicator=indicator,
        old_value=old_value,
        new_value=float(value),
        old_total=old_total,
        new_total=new_total,
        knock_on=knock_on,
        reason=reason.strip(),
        by_id=user.id,
        at=utcnow(),
    )
    db.session.add(correction)
    db.session.flush()
    _tell_corrected(campaign, participant, knock_on, correction)
    return correction


def _tell_corrected(campaign, participant, knock_on, correction) -> None:
    """The corrected platform's operators, and those of every platform whose total moved with it."""
    if signals.notice.is_muted:
        return
    moved = {participant.platform_id: (correction.old_total, correction.new_total)}
    moved.update({row["platform_id"]: (row["old"], row["new"]) for row in knock_on})
    for p in campaign.participants:
        if p.platform_id not in moved:
            continue
        old, new = moved[p.platform_id]
        why = f"“{correction.indicator.name}”更正" if p is participant else "其他平台的数据更正"
        signals.notice.send(
            campaign,
            users=operators_of(p.platform),
            message=f"{campaign.title}：因{why}，平台“{p.platform.name}”总分由 {old:.2f} 调整为 {new:.2f}"
            f"（排名第 {p.rank} 名，{p.grade_label}）。更正原因：{correction.reason}",
            link=external_url("evaluation_results.platform", year=campaign.year, ref=p.platform.ref),
        )
