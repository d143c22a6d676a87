"""Use cases of the yearly evaluation. Each takes the acting user and checks permission and phase;
the caller commits.

Administrators create a campaign for a year from the shipped template, edit its indicator system
while it is a draft, move it through its phases (CAMPAIGN_WORKFLOW, every change audited) and
compute its results (`compute`, the only writer of results before publication)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import signals
from ..accounts.models import User
from ..bookings.models import Booking
from ..cases.models import CaseNomination
from ..core.errors import Conflict, DomainError, Forbidden
from ..core.models import AuditLog, utcnow, with_related
from ..core.timeutil import format_date, local_today
from ..core.urls import external_url
from ..extensions import db
from ..platforms.models import Platform
from ..platforms.services import operators_of
from . import scoring, template
from .metrics import METRICS
from .models import (
    CAMPAIGN_WORKFLOW,
    PUBLIC_PHASES,
    CampaignParticipant,
    CampaignPhase,
    EvaluationAssignment,
    EvaluationCampaign,
    EvaluationDimension,
    EvaluationIndicator,
    ExpertScore,
    IndicatorSource,
    IndicatorValue,
    ScoringRule,
    SelfReportStatus,
)


@dataclass(frozen=True)
class SystemActor:
    """An administrator's command on the server (`flask evaluation …`): trusted as an administrator,
    recorded in the audit log without a user (the reason names the command)."""

    name: str = "命令行"
    id: None = None
    is_admin: bool = True
    is_authenticated: bool = True


CLI = SystemActor()

#: The years a campaign may evaluate.
YEAR_MIN, YEAR_MAX = 2000, 2100


def _require_admin(user) -> None:
    if not (user and user.is_authenticated and user.is_admin):
        raise Forbidden()


def _require_draft(campaign: EvaluationCampaign) -> None:
    if not campaign.is_draft:
        raise Conflict(("status", f"评价方案已进入“{campaign.status_label}”阶段，只有草稿可以修改。"))


# ---------------------------------------------------------------- campaigns


def create_campaign(user, year: int, title: str | None = None) -> EvaluationCampaign:
    """A draft campaign for `year`, its indicator system copied from the template that ships."""
    _require_admin(user)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise DomainError(("year", f"年度应在 {YEAR_MIN} 到 {YEAR_MAX} 之间。"))
    if db.session.scalar(db.select(EvaluationCampaign.id).where(EvaluationCampaign.year == year)):
        raise DomainError(("year", f"{year} 年度的绩效评价已经创建。"))
    campaign = EvaluationCampaign(
        year=year, title=title or f"{year} 年度中试平台绩效评价", created_by_id=user.id
    )
    dimensions = {}
    for position, (code, name) in enumerate(template.DIMENSIONS):
        dimensions[code] = EvaluationDimension(code=code, name=name, position=position)
        campaign.dimensions.append(dimensions[code])
    positions: dict[str, int] = {}
    for spec in template.INDICATORS:
        spec = dict(spec)
        dimension = dimensions[spec.pop("dimension")]
        positions[dimension.code] = positions.get(dimension.code, -1) + 1
        indicator = EvaluationIndicator(dimension=dimension, position=positions[dimension.code], **spec)
        campaign.indicators.append(indicator)
    db.session.add(campaign)
    db.session.flush()
    CAMPAIGN_WORKFLOW.record_entry(campaign, by=user)
    return campaign


def actor_names(entries) -> dict[int, str]:
    """{user id: name} of the people in audit rows (one statement)."""
    ids = {e.actor_id for e in entries if e.actor_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def campaigns() -> list[tuple[EvaluationCampaign, int]]:
    """Every campaign, newest year first, with its number of participants (one statement)."""
    counts = (
        select(CampaignParticipant.campaign_id, func.count(CampaignParticipant.id).label("n"))
        .group_by(CampaignParticipant.campaign_id)
        .subquery()
    )
    rows = db.session.execute(
        select(EvaluationCampaign, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.campaign_id == EvaluationCampaign.id)
        .order_by(EvaluationCampaign.year.desc())
    )
    return [(campaign, count) for campaign, count in rows]


def get_campaign(year: int) -> EvaluationCampaign:
    """The campaign of `year`, or LookupError."""
    campaign = db.session.scalar(select(EvaluationCampaign).where(EvaluationCampaign.year == year))
    if campaign is None:
        raise LookupError(year)
    return campaign


def validate_settings(data: dict) -> None:
    """Title, self-report deadline and grade thresholds (excellent > good > pass, each 0-100)."""
    errors = []
    title = (data.get("title") or "").strip()
    if not title:
        errors.append(("title", "请填写标题。"))
    elif len(title) > 200:
        errors.append(("title", "标题不能超过 200 个字符。"))
    if len(data.get("description") or "") > 5000:
        errors.append(("description", "说明不能超过 5000 个字符。"))
    deadline = data.get("self_report_deadline")
    if deadline is not None and deadline < local_today():
        errors.append(("self_report_deadline", "自评截止日期不能早于今天。"))
    limits = {}
    for grade, field, label in (
        ("excellent", "excellent", "优秀"),
        ("good", "good", "良好"),
        ("pass", "passing", "合格"),
    ):
        value = data.get(grade)
        if value is None or not _finite(value):
            errors.append((field, f"请填写{label}的最低分（0-100）。"))
        elif not 0 <= value <= 100:
            errors.append((field, f"{label}的最低分应在 0 到 100 之间。"))
        else:
            limits[grade] = value
    if "excellent" in limits and "good" in limits and not limits["good"] < limits["excellent"]:
        errors.append(("excellent", "优秀的最低分应高于良好。"))
    if "good" in limits and "pass" in limits and not limits["pass"] < limits["good"]:
        errors.append(("good", "良好的最低分应高于合格。"))
    if errors:
        raise DomainError(*errors)


def update_campaign(user, campaign: EvaluationCampaign, data: dict) -> None:
    _require_admin(user)
    _require_draft(campaign)
    validate_settings(data)
    campaign.title = data["title"].strip()
    campaign.description = (data.get("description") or "").strip()
    campaign.self_report_deadline = data.get("self_report_deadline")
    campaign.grade_thresholds = {g: float(data[g]) for g in scoring.GRADE_ORDER}


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# ---------------------------------------------------------------- dimensions

CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
CODE_MESSAGE = "代码应以小写字母开头，只含小写字母、数字和下划线，最长 40 个字符。"


def validate_dimension(campaign: EvaluationCampaign, data: dict, dimension=None) -> None:
    errors = []
    if dimension is None:
        code = (data.get("code") or "").strip()
        if not CODE_PATTERN.fullmatch(code):
            errors.append(("code", CODE_MESSAGE))
        elif any(d.code == code for d in campaign.dimensions):
            errors.append(("code", f"本方案已有代码为“{code}”的维度。"))
    name = (data.get("name") or "").strip()
    if not name:
        errors.append(("name", "请填写维度名称。"))
    elif len(name) > 100:
        errors.append(("name", "名称不能超过 100 个字符。"))
    elif any(d.name == name and d is not dimension for d in campaign.dimensions):
        errors.append(("name", f"本方案已有名为“{name}”的维度。"))
    if errors:
        raise DomainError(*errors)


def add_dimension(user, campaign: EvaluationCampaign, data: dict) -> EvaluationDimension:
    _require_admin(user)
    _require_draft(campaign)
    validate_dimension(campaign, data)
    position = max((d.position for d in campaign.dimensions), default=-1) + 1
    dimension = EvaluationDimension(code=data["code"].strip(), name=data["name"].strip(), position=position)
    campaign.dimensions.append(dimension)
    db.session.flush()
    return dimension


def rename_dimension(user, dimension: EvaluationDimension, data: dict) -> None:
    _require_admin(user)
    _require_draft(dimension.campaign)
    validate_dimension(dimension.campaign, data, dimension)
    dimension.name = data["name"].strip()


def remove_dimension(user, dimension: EvaluationDimension) -> None:
    """Only an empty dimension goes (its indicators would lose their home)."""
    _require_admin(user)
    campaign = dimension.campaign
    _require_draft(campaign)
    if dimension.indicators:
        raise Conflict(("dimension", f"维度“{dimension.name}”下还有指标，请先删除或移走这些指标。"))
    campaign.dimensions.remove(dimension)
    db.session.flush()


def get_dimension(campaign: EvaluationCampaign, dimension_id: int) -> EvaluationDimension:
    for dimension in campaign.dimensions:
        if dimension.id == dimension_id:
            return dimension
    raise LookupError(dimension_id)


# ---------------------------------------------------------------- indicators

_BAND = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[:：]\s*([-+]?\d+(?:\.\d+)?)\s*$")
BANDS_HINT = "格式：门槛:得分，用逗号分隔，门槛递增，例如 1:70, 2:90, 3:100。"


def parse_bands(text: str) -> list[dict]:
    """'1:70, 2:90, 3:100' → [{"at": 1.0, "score": 70.0}, …]; raises ValueError with the message."""
    parts = [p for p in re.split(r"[,，;；\n]+", text or "") if p.strip()]
    if not parts:
        raise ValueError("分档计分需要至少一个档位。" + BANDS_HINT)
    bands = []
    for part in parts:
        match = _BAND.match(part)
        if not match:
            raise ValueError(f"无法识别“{part.strip()}”。" + BANDS_HINT)
        at, score = float(match.group(1)), float(match.group(2))
        if not (math.isfinite(at) and abs(at) < 1e12):
            raise ValueError(f"门槛“{match.group(1)}”不是有效数字。")
        if not 0 <= score <= 100:
            raise ValueError(f"档位“{part.strip()}”的得分应在 0 到 100 之间。")
        if bands and at <= bands[-1]["at"]:
            raise ValueError(f"门槛应逐档递增：{match.group(1)} 不大于前一档的 {bands[-1]['at']:g}。")
        bands.append({"at": at, "score": score})
    return bands


def bands_text(bands: list | None) -> str:
    return ", ".join(f"{b['at']:g}:{b['score']:g}" for b in bands or ())


#: Bounds of an indicator's numbers.
WEIGHT_MAX = 100.0
TARGET_MAX = 1e12


def validate_indicator(campaign: EvaluationCampaign, data: dict, indicator=None) -> dict:
    """The indicator's columns from the editor's input, or DomainError with a message per field:
    a known dimension; a code unique in the campaign; a weight of 0-100; a computed indicator names
    a known metric; an expert source uses the expert rule and vice versa; a target rule has a
    positive target; bands have increasing thresholds and scores of 0-100."""
    errors = []
    clean: dict = {}
    dimension_id = data.get("dimension_id")
    dimension = next((d for d in campaign.dimensions if d.id == dimension_id), None)
    if dimension is None:
        errors.append(("dimension_id", "请选择所属维度。"))
    clean["dimension"] = dimension
    code = (data.get("code") or "").strip()
    if not CODE_PATTERN.fullmatch(code):
        errors.append(("code", CODE_MESSAGE))
    elif any(i.code == code and i is not indicator for i in campaign.indicators):
        errors.append(("code", f"本方案已有代码为“{code}”的指标，代码在方案内须唯一。"))
    clean["code"] = code
    name = (data.get("name") or "").strip()
    if not name:
        errors.append(("name", "请填写指标名称。"))
    elif len(name) > 100:
        errors.append(("name", "名称不能超过 100 个字符。"))
    clean["name"] = name
    description = (data.get("description") or "").strip()
    if len(description) > 2000:
        errors.append(("description", "说明不能超过 2000 个字符。"))
    clean["description"] = description
    unit = (data.get("unit") or "").strip()
    if len(unit) > 20:
        errors.append(("unit", "单位不能超过 20 个字符。"))
    clean["unit"] = unit
    weight = data.get("weight")
    if weight is None or not _finite(weight):
        errors.append(("weight", "请填写权重（0-100 分）。"))
    elif not 0 < weight <= WEIGHT_MAX:
        errors.append(("weight", "权重应大于 0 且不超过 100 分。"))
    clean["weight"] = weight
    source, rule = data.get("source"), data.get("rule")
    if source not in IndicatorSource.__members__.values():
        errors.append(("source", "请选择数据来源。"))
    if rule not in ScoringRule.__members__.values():
        errors.append(("rule", "请选择计分规则。"))
    clean["source"], clean["rule"] = source, rule
    if source == IndicatorSource.EXPERT and rule and rule != ScoringRule.EXPERT:
        errors.append(("rule", "专家评分的指标应使用“专家打分（0-100）”规则。"))
    if rule == ScoringRule.EXPERT and source and source != IndicatorSource.EXPERT:
        errors.append(("rule", "“专家打分（0-100）”规则只用于数据来源为专家评分的指标。"))
    metric = (data.get("metric") or "").strip() or None
    if source == IndicatorSource.COMPUTED:
        if metric not in METRICS:
            errors.append(("metric", "平台数据自动计算的指标须选择一项计算口径。"))
    else:
        metric = None  # only computed indicators have one
    clean["metric"] = metric
    target = data.get("target")
    if rule == ScoringRule.TARGET:
        if target is None or not _finite(target) or not 0 < target < TARGET_MAX:
            errors.append(("target", "“对标目标值”规则需要一个大于 0 的目标值。"))
    elif target is not None and not _finite(target):
        errors.append(("target", "目标值不是有效数字。"))
    clean["target"] = target if rule == ScoringRule.TARGET else None
    clean["bands"] = None
    if rule == ScoringRule.BANDS:
        try:
            clean["bands"] = parse_bands(data.get("bands") or "")
        except ValueError as exc:
            errors.append(("bands", str(exc)))
    clean["higher_is_better"] = bool(data.get("higher_is_better", True))
    if errors:
        raise DomainError(*errors)
    return clean


def add_indicator(user, campaign: EvaluationCampaign, data: dict) -> EvaluationIndicator:
    _require_admin(user)
    _require_draft(campaign)
    clean = validate_indicator(campaign, data)
    dimension = clean["dimension"]
    position = max((i.position for i in dimension.indicators), default=-1) + 1
    indicator = EvaluationIndicator(position=position, **clean)
    campaign.indicators.append(indicator)
    db.session.flush()
    return indicator


def update_indicator(user, indicator: EvaluationIndicator, data: dict) -> None:
    _require_admin(user)
    _require_draft(indicator.campaign)
    clean = validate_indicator(indicator.campaign, data, indicator)
    if clean["dimension"] is not indicator.dimension:
        clean["position"] = max((i.position for i in clean["dimension"].indicators), default=-1) + 1
    for name, value in clean.items():
        setattr(indicator, name, value)
    db.session.flush()


def remove_indicator(user, indicator: EvaluationIndicator) -> None:
    _require_admin(user)
    campaign = indicator.campaign
    _require_draft(campaign)
    campaign.indicators.remove(indicator)
    db.session.flush()


def get_indicator(campaign: EvaluationCampaign, indicator_id: int) -> EvaluationIndicator:
    for indicator in campaign.indicators:
        if indicator.id == indicator_id:
            return indicator
    raise LookupError(indicator_id)


def weight_problem(campaign: EvaluationCampaign) -> str | None:
    """Why the weights will not do (they must sum to exactly 100), or None."""
    total = campaign.weight_total
    if not campaign.indicators:
        return "方案还没有指标。"
    if abs(total - 100.0) > 1e-6:
        return f"指标权重合计为 {total:g} 分，应恰好为 100 分。"
    return None


def indicator_specs(campaign: EvaluationCampaign) -> list[scoring.IndicatorSpec]:
    """The campaign's indicators as `scoring.compute` reads them."""
    return [
        scoring.IndicatorSpec(
            code=i.code,
            dimension=i.dimension.code,
            weight=i.weight,
            rule=i.rule,
            higher_is_better=i.higher_is_better,
            target=i.target,
            bands=tuple((b["at"], b["score"]) for b in (i.bands or ())),
        )
        for i in campaign.indicators
    ]


# ---------------------------------------------------------------- phases


def _ready_to_open(campaign: EvaluationCampaign, _by):
    problem = weight_problem(campaign)
    if problem:
        return ("status", problem + "请调整后再开放自评填报。")
    if campaign.self_report_deadline is None:
        return ("self_report_deadline", "请先设置自评截止日期。")
    if campaign.self_report_deadline < local_today():
        return ("self_report_deadline", "自评截止日期已过，请先修改截止日期。")
    return None


def open_self_report(user, campaign: EvaluationCampaign) -> list[CampaignParticipant]:
    """Open the self-report: the weights sum to exactly 100 and the deadline is today or later.
    Every approved platform takes part; their operators are told."""
    _require_admin(user)
    CAMPAIGN_WORKFLOW.apply(campaign, "open_self_report", by=_actor(user), guards=(_ready_to_open,))
    platforms = db.session.scalars(select(Platform).where(Platform.is_public).order_by(Platform.id))
    participants = [_enrol(campaign, p) for p in platforms]
    db.session.flush()
    for participant in participants:
        _tell_opened(campaign, participant)
    return participants


def _enrol(campaign: EvaluationCampaign, platform: Platform) -> CampaignParticipant:
    participant = CampaignParticipant(
        platform=platform, values=[IndicatorValue(indicator=i) for i in campaign.indicators]
    )
    campaign.participants.append(participant)
    return participant


def _tell_opened(campaign: EvaluationCampaign, participant: CampaignParticipant) -> None:
    platform = participant.platform
    if signals.notice.is_muted:  # replaying history (demo data): nobody to tell
        return
    deadline = format_date(campaign.self_report_deadline)
    signals.notice.send(
        campaign,
        users=operators_of(platform),
        message=f"“{campaign.title}”已开放自评填报：请在 {deadline} 前为平台“{platform.name}”"
        "填报研究开发等自评指标并上传佐证材料后提交。",
        link=external_url("selfreport.detail", participant_id=participant.id),
    )


def _self_report_closed(campaign: EvaluationCampaign, _by):
    """Guard of start_review: self-reports close early only when every platform has submitted; a
    platform may count on its deadline (or its extension) otherwise."""
    today = local_today()
    waiting = [
        p
        for p in campaign.participants
        if p.status != SelfReportStatus.SUBMITTED and p.deadline is not None and p.deadline >= today
    ]
    if waiting:
        last = max(p.deadline for p in waiting)
        return (
            "status",
            f"还有 {len(waiting)} 个平台未提交自评且截止日（最晚 {format_date(last)}）未到：截止日过后，"
            "或全部平台提交后，才能进入专家评审。",
        )
    return None


def start_review(user, campaign: EvaluationCampaign) -> None:
    """Close the self-report and start the experts' review; the computed indicators are filled from
    the marketplace's data now, so that the experts read the figures they judge (computing the
    results fills them again)."""
    _require_admin(user)
    CAMPAIGN_WORKFLOW.apply(campaign, "start_review", by=_actor(user), guards=(_self_report_closed,))
    fill_computed(campaign, _participants(campaign))


def fill_computed(campaign: EvaluationCampaign, participants: list[CampaignParticipant]) -> dict:
    """Set every computed indicator's value and derivation from `metrics.METRICS`, all participants
    at once; returns {metric: {platform id: Derived}}."""
    indicators = [i for i in campaign.indicators if i.source == IndicatorSource.COMPUTED]
    platforms = [p.platform for p in participants]
    derived = {
        metric: METRICS[metric].compute(campaign.year, platforms) for metric in {i.metric for i in indicators}
    }
    ensure_values(campaign, participants)
    for participant in participants:
        have = {v.indicator: v for v in participant.values}
        for indicator in indicators:
            value = have[indicator]
            figure = derived[indicator.metric][participant.platform_id]
            value.value, value.derivation = figure.value, figure.derivation
    return derived


def _participants(campaign: EvaluationCampaign) -> list[CampaignParticipant]:
    return list(
        db.session.scalars(
            select(CampaignParticipant)
            .where(CampaignParticipant.campaign_id == campaign.id)
            .options(selectinload(CampaignParticipant.platform), selectinload(CampaignParticipant.values))
            .order_by(CampaignParticipant.id)
        )
    )


def reopen_review(user, campaign: EvaluationCampaign) -> None:
    """Back to the experts (computed results stay until the next computation replaces them)."""
    _require_admin(user)
    CAMPAIGN_WORKFLOW.apply(campaign, "reopen_review", by=_actor(user))


def _actor(user):
    return None if isinstance(user, SystemActor) else user


def enrollable_platforms(campaign: EvaluationCampaign) -> list[Platform]:
    """Approved platforms not yet taking part (an administrator may add them while the
    self-report is open)."""
    enrolled = select(CampaignParticipant.platform_id).where(CampaignParticipant.campaign_id == campaign.id)
    return list(
        db.session.scalars(
            select(Platform).where(Platform.is_public, Platform.id.not_in(enrolled)).order_by(Platform.name)
        )
    )


def _record(user, campaign: EvaluationCampaign, reason: str, details: dict) -> None:
    """An audited change of the campaign that keeps its phase (participants added or removed)."""
    db.session.add(
        AuditLog(
            at=utcnow(),
            actor_id=getattr(_actor(user), "id", None),
            object_type=CAMPAIGN_WORKFLOW.object_type,
            object_id=campaign.id,
            old_state=campaign.status,
            new_state=campaign.status,
            reason=reason,
            details=details,
        )
    )


def participants_open(campaign: EvaluationCampaign) -> bool:
    """Participants are added and removed while the self-report is open."""
    return campaign.status == CampaignPhase.SELF_REPORT


def add_participant(user, campaign: EvaluationCampaign, platform_id: int | None) -> CampaignParticipant:
    """While the self-report is open, an approved platform that is not taking part joins."""
    _require_admin(user)
    if not participants_open(campaign):
        raise Conflict(("platform_id", "只有自评填报期间可以增加参评平台。"))
    platform = db.session.get(Platform, platform_id) if platform_id else None
    if platform is None or not platform.is_public:
        raise DomainError(("platform_id", "请选择一个已通过审核的平台。"))
    if any(p.platform_id == platform.id for p in campaign.participants):
        raise DomainError(("platform_id", f"“{platform.name}”已在参评名单中。"))
    participant = _enrol(campaign, platform)
    db.session.flush()
    _record(user, campaign, f"增加参评平台：{platform.name}", {"added": platform.ref})
    _tell_opened(campaign, participant)
    return participant


def remove_participant(user, participant: CampaignParticipant) -> None:
    """While the self-report is open, a platform that has submitted nothing leaves the campaign."""
    _require_admin(user)
    campaign = participant.campaign
    if not participants_open(campaign):
        raise Conflict(("status", "只有自评填报期间可以移除参评平台。"))
    if participant.id not in removable_ids([participant]):
        raise Conflict(("status", f"“{participant.platform.name}”已提交过自评，不能移除。"))
    name, ref = participant.platform.name, participant.platform.ref
    campaign.participants.remove(participant)
    db.session.flush()
    _record(user, campaign, f"移除参评平台：{name}", {"removed": ref})


def removable_ids(participants) -> set[int]:
    """The participants an administrator may remove now: the self-report is open and they have
    submitted nothing."""
    return {
        p.id
        for p in participants
        if participants_open(p.campaign) and p.submitted_at is None and p.status == SelfReportStatus.DRAFT
    }


def get_participant(campaign: EvaluationCampaign, participant_id: int) -> CampaignParticipant:
    participant = db.session.get(CampaignParticipant, participant_id)
    if participant is None or participant.campaign_id != campaign.id:
        raise LookupError(participant_id)
    return participant


def participants_query(campaign: EvaluationCampaign):
    """The campaign's participants with their platforms, by the platform's name (once computed, the
    pages list them in ranking order: `results.ranking_query`)."""
    return (
        select(CampaignParticipant)
        .join(Platform, Platform.id == CampaignParticipant.platform_id)
        .where(CampaignParticipant.campaign_id == campaign.id)
        .options(*with_related(CampaignParticipant.platform))
        .order_by(Platform.name, Platform.id)
    )


# ---------------------------------------------------------------- computation


def compute(user, campaign: EvaluationCampaign) -> list[CampaignParticipant]:
    """Fill every indicator value and compute scores, totals, ranks, grades and flags.

    - computed indicators: `metrics.METRICS[indicator.metric]` over every participant at once;
    - expert indicators: the points of the submitted assignments (`scoring.expert_mean`: trimmed
      with five or more); the derivation keeps the points, those dropped and the rule;
    - self-reported indicators: the value the platform's self-report holds; a participant whose
      self-report is not submitted counts as missing (scores 0) and is flagged "no_self_report".
    Then `scoring.compute` (keyed by platform ref); flags "fail", and "fail_twice" when the platform
    was graded fail in the previous year's published campaign. Applies the workflow's `compute`."""
    _require_admin(user)
    if not CAMPAIGN_WORKFLOW.can(campaign, "compute"):
        raise Conflict(("status", f"当前阶段“{campaign.status_label}”不能计算结果。"))
    problem = weight_problem(campaign)
    if problem:
        raise DomainError(("status", problem))
    participants = _participants(campaign)
    if not participants:
        raise DomainError(("status", "没有参评平台，无法计算。"))
    indicators = list(campaign.indicators)
    ensure_values(campaign, participants)
    fill_computed(campaign, participants)
    points = _expert_points(campaign)
    has_self_report = any(i.source == IndicatorSource.SELF_REPORTED for i in indicators)
    expert_indicators = [i for i in indicators if i.source == IndicatorSource.EXPERT]
    for participant in participants:
        submitted = participant.status == SelfReportStatus.SUBMITTED
        for value in participant.values:
            if value.indicator.source != IndicatorSource.COMPUTED:
                _fill(value, value.indicator, points.get((participant.id, value.indicator.id), []), submitted)
        flags = ["no_self_report"] if has_self_report and not submitted else []
        if any(not points.get((participant.id, i.id)) for i in expert_indicators):
            flags.append("no_expert_scores")
        participant.flags = flags
    raw = {p.platform.ref: {v.indicator.code: scored_value(p, v) for v in p.values} for p in participants}
    _note_ranges(participants, indicators, raw)
    store_results(campaign, participants)
    campaign.computed_at = utcnow()
    reason = "通过命令行计算" if isinstance(user, SystemActor) else None
    CAMPAIGN_WORKFLOW.apply(
        campaign, "compute", by=_actor(user), reason=reason, details={"participants": len(participants)}
    )
    return participants


def _fill(value, indicator, points: list[float], submitted: bool) -> None:
    """Set one self-reported or expert IndicatorValue's value and derivation from its source."""
    if indicator.source == IndicatorSource.EXPERT:
        mean = scoring.expert_mean(points)
        value.value = None if mean.value is None else round(mean.value, 4)
        value.derivation = {
            "counts": {"专家评分": len(mean.used) + len(mean.dropped), "去掉": len(mean.dropped)},
            "points": sorted(mean.used + mean.dropped),
            "used": list(mean.used),
            "dropped": list(mean.dropped),
            "rule": mean.rule,
            "formula": (
                f"({' + '.join(f'{p:g}' for p in mean.used)}) ÷ {len(mean.used)} = {mean.value:.2f}"
                if mean.value is not None
                else "尚无专家评分，按缺失计 0 分"
            ),
        }
    elif submitted:
        value.derivation = {"formula": "平台自评填报（附佐证材料）", "submitted": True}
    else:
        value.derivation = {"formula": "平台未提交自评，按缺失计 0 分", "submitted": False}


def _note_ranges(participants, indicators, raw) -> None:
    """Min-max indicators: keep the lowest and highest value scored in each derivation, so that the
    derivation page shows the score's calculation with its numbers."""
    for indicator in indicators:
        if indicator.rule != ScoringRule.MINMAX:
            continue
        present = [row[indicator.code] for row in raw.values() if row[indicator.code] is not None]
        if not present:
            continue
        span = {"min": min(present), "max": max(present), "count": len(present)}
        for participant in participants:
            for value in participant.values:
                if value.indicator_id == indicator.id:
                    value.derivation = {**(value.derivation or {}), "range": span}


def score_explanation(indicator: EvaluationIndicator, value: IndicatorValue) -> str | None:
    """The indicator's score calculation with this value's numbers, in Chinese (None before compute)."""
    if value.score is None:
        return None
    found = value.derivation or {}
    v = value.value
    if v is None or found.get("submitted") is False:
        return "无有效数值，按 0 分计。"
    score = value.score
    if indicator.rule == ScoringRule.TARGET and indicator.target:
        t = indicator.target
        if indicator.higher_is_better:
            raw = 100.0 * v / t
            capped = "，封顶 100 分" if raw > 100 else ""
            return f"100 × {v:g} ÷ 目标值 {t:g} = {raw:.2f}{capped}，得 {score:.2f} 分。"
        if v <= t:
            return f"{v:g} 不超过目标值 {t:g}，得满分。"
        return f"100 × 目标值 {t:g} ÷ {v:g} = {score:.2f} 分。"
    if indicator.rule == ScoringRule.MINMAX and "range" in found:
        low, high, n = found["range"]["min"], found["range"]["max"], found["range"]["count"]
        if high == low:
            return f"{n} 个参评平台的数值相同（{v:g}），得 {score:.0f} 分。"
        if indicator.higher_is_better:
            return (
                f"100 × ({v:g} − 最小值 {low:g}) ÷ (最大值 {high:g} − 最小值 {low:g}) = {score:.2f} 分"
                f"（{n} 个有数值的参评平台）。"
            )
        return (
            f"100 × (最大值 {high:g} − {v:g}) ÷ (最大值 {high:g} − 最小值 {low:g}) = {score:.2f} 分"
            f"（{n} 个有数值的参评平台）。"
        )
    if indicator.rule == ScoringRule.BANDS:
        sign = "≥" if indicator.higher_is_better else "≤"
        reached = [
            b for b in indicator.bands or () if (v >= b["at"] if indicator.higher_is_better else v <= b["at"])
        ]
        if not reached:
            return f"{v:g} 未达到任何一档，得 0 分。"
        best = max(reached, key=lambda b: b["score"])
        return f"{v:g} 达到“{sign} {best['at']:g} 得 {best['score']:g} 分”一档，得 {score:.2f} 分。"
    if indicator.rule == ScoringRule.EXPERT:
        return f"专家评分的平均值即得分：{score:.2f} 分。"
    return None


def _expert_points(campaign: EvaluationCampaign) -> dict[tuple[int, int], list[float]]:
    """{(participant id, indicator id): points of the submitted assignments}, one statement."""
    rows = db.session.execute(
        select(EvaluationAssignment.participant_id, ExpertScore.indicator_id, ExpertScore.points)
        .join(ExpertScore, ExpertScore.assignment_id == EvaluationAssignment.id)
        .where(
            EvaluationAssignment.campaign_id == campaign.id, EvaluationAssignment.submitted_at.is_not(None)
        )
    )
    points: dict[tuple[int, int], list[float]] = {}
    for participant_id, indicator_id, score in rows:
        points.setdefault((participant_id, indicator_id), []).append(score)
    return points


def _failed_last_year(campaign: EvaluationCampaign) -> set[int]:
    """Platforms graded fail in the previous year's campaign, once its results were published."""
    return set(
        db.session.scalars(
            select(CampaignParticipant.platform_id)
            .join(EvaluationCampaign, EvaluationCampaign.id == CampaignParticipant.campaign_id)
            .where(
                EvaluationCampaign.year == campaign.year - 1,
                EvaluationCampaign.status.in_(PUBLIC_PHASES),
                CampaignParticipant.grade == "fail",
            )
        )
    )


def grade_flags(flags: list | None, grade: str, failed_before: bool) -> list[str]:
    """`flags` with the grade's follow-up set anew: 不合格 two years running proposes suspension
    ("fail_twice", with "fail"), 不合格 once asks for rectification ("fail"); other flags are kept."""
    kept = [f for f in (flags or []) if f not in ("fail", "fail_twice")]
    if grade == "fail":
        kept[:0] = ["fail_twice", "fail"] if failed_before else ["fail"]
    return kept


def scored_value(participant: CampaignParticipant, value: IndicatorValue) -> float | None:
    """The raw value scoring reads: a self-reported figure counts only once the report is submitted."""
    if (
        value.indicator.source == IndicatorSource.SELF_REPORTED
        and participant.status != SelfReportStatus.SUBMITTED
    ):
        return None
    return value.value


def ensure_values(campaign: EvaluationCampaign, participants: list[CampaignParticipant]) -> None:
    """One IndicatorValue per indicator for every participant (an indicator added later has none)."""
    for participant in participants:
        have = {v.indicator for v in participant.values}
        participant.values.extend(IndicatorValue(indicator=i) for i in campaign.indicators if i not in have)


def store_results(
    campaign: EvaluationCampaign, participants: list[CampaignParticipant] | None = None
) -> dict[int, tuple[float | None, float | None]]:
    """Run `scoring.compute` over every participant's stored values and store the scores, totals,
    ranks, grades, dimension subtotals and grade flags (the only writer of results: computing, and
    corrections after publication). Returns {participant id: (old total, new total)}."""
    participants = list(campaign.participants) if participants is None else participants
    ensure_values(campaign, participants)
    raw = {p.platform.ref: {v.indicator.code: scored_value(p, v) for v in p.values} for p in participants}
    results = scoring.compute(indicator_specs(campaign), raw, campaign.grade_thresholds)
    failed_before = _failed_last_year(campaign)
    moved = {}
    for participant in participants:
        result = results[participant.platform.ref]
        for value in participant.values:
            value.score = round(result.scores[value.indicator.code], 2)
        moved[participant.id] = (participant.total, result.total)
        participant.total = result.total
        participant.rank = result.rank
        participant.grade = result.grade
        participant.dimension_scores = result.dimensions
        participant.flags = grade_flags(
            participant.flags, result.grade, participant.platform_id in failed_before
        )
    campaign.medians = province_medians(campaign, participants)
    return moved


def province_medians(
    campaign: EvaluationCampaign, participants: list[CampaignParticipant]
) -> dict[str, dict]:
    """The province median per indicator over the participants: {code: {"value", "score"}}; the
    value's over the platforms with a figure that counts, the score's over all (missing scores 0,
    as in the totals); None when there is none. Stored with the results (`store_results`), so a
    platform's results page reads them instead of every participant's values."""
    by_participant = [{v.indicator.code: v for v in p.values} for p in participants]
    out = {}
    for indicator in campaign.indicators:
        raw, scores = [], []
        for participant, values in zip(participants, by_participant, strict=True):
            value = values.get(indicator.code)
            figure = None if value is None else scored_value(participant, value)
            if figure is not None:  # an unsubmitted self-report's draft figures never count
                raw.append(figure)
            if value is not None and value.score is not None:
                scores.append(value.score)
        out[indicator.code] = {
            "value": round(median(raw), 2) if raw else None,
            "score": round(median(scores), 2) if scores else None,
        }
    return out


def _publish(user, campaign: EvaluationCampaign) -> None:
    from . import results  # results builds on this module

    results.publish(user, campaign)


def _lock(user, campaign: EvaluationCampaign) -> None:
    from . import results

    results.lock(user, campaign)


#: Every phase change by workflow action (publish and lock are `results`'); the campaign page
#: offers the allowed ones.
PHASE_ACTIONS = {
    "open_self_report": open_self_report,
    "start_review": start_review,
    "compute": compute,
    "reopen_review": reopen_review,
    "publish": _publish,
    "lock": _lock,
}


def change_phase(user, campaign: EvaluationCampaign, action: str) -> None:
    if action not in PHASE_ACTIONS:
        raise LookupError(action)
    PHASE_ACTIONS[action](user, campaign)


def phase_actions(campaign: EvaluationCampaign) -> list[str]:
    return CAMPAIGN_WORKFLOW.allowed_actions(campaign.status, among=PHASE_ACTIONS)


def phase_blockers(campaign: EvaluationCampaign) -> dict[str, str]:
    """Why a phase button would be refused now, by action (its guard's message): the page shows the
    button disabled with the reason instead of a button that only answers with an error."""
    if "open_self_report" not in phase_actions(campaign):
        return {}
    problem = _ready_to_open(campaign, None)
    return {"open_self_report": problem[1]} if problem else {}


# ---------------------------------------------------------------- who sees a participant


def _is_operator_of(user, platform: Platform) -> bool:
    return bool(user.is_operator and user.org_id is not None and user.org_id == platform.org_id)


def _is_assigned_expert(user, participant: CampaignParticipant) -> bool:
    return bool(
        user.is_expert
        and db.session.scalar(
            select(EvaluationAssignment.id).where(
                EvaluationAssignment.participant_id == participant.id,
                EvaluationAssignment.expert_id == user.id,
            )
        )
    )


def can_see_evidence(user, participant: CampaignParticipant) -> bool:
    """Administrators, the platform's own operators and the experts assigned to it: they read a
    participant's values, derivations and the individual bookings counted (firms' names) at any
    phase."""
    if not (user and user.is_authenticated):
        return False
    return bool(
        user.is_admin or _is_operator_of(user, participant.platform) or _is_assigned_expert(user, participant)
    )


def can_view_participant(user, participant: CampaignParticipant) -> bool:
    """Who may read a participant's values and derivations: `can_see_evidence`, and anyone once the
    campaign's results are published (definitions, counts and formulas; not the bookings)."""
    return participant.campaign.is_public or can_see_evidence(user, participant)


@dataclass
class Derivation:
    """What the derivation page shows of one value."""

    campaign: EvaluationCampaign
    participant: CampaignParticipant
    indicator: EvaluationIndicator
    value: IndicatorValue
    metric: object | None  #: metrics.Metric of a computed indicator
    detailed: bool  #: the viewer may see the individual bookings, reviews and nominations
    bookings: list[Booking]
    unpriced: list[Booking]
    reviews: list[Booking]  #: the reviewed bookings (each with its review)
    nominations: list[CaseNomination]


def derivation(user, year: int, platform_ref: str, code: str) -> Derivation:
    """One value of one participant with what was counted; LookupError when missing, Forbidden
    when the user may not see it (both answered 404)."""
    campaign = get_campaign(year)
    participant = db.session.scalar(
        select(CampaignParticipant)
        .join(Platform, Platform.id == CampaignParticipant.platform_id)
        .where(CampaignParticipant.campaign_id == campaign.id, Platform.ref == platform_ref)
    )
    if participant is None:
        raise LookupError(platform_ref)
    if not can_view_participant(user, participant):
        raise Forbidden()
    indicator = next((i for i in campaign.indicators if i.code == code), None)
    if indicator is None:
        raise LookupError(code)
    value = next((v for v in participant.values if v.indicator_id == indicator.id), None)
    if value is None:
        raise LookupError(code)
    detailed = can_see_evidence(user, participant)
    found = value.derivation or {}
    return Derivation(
        campaign=campaign,
        participant=participant,
        indicator=indicator,
        value=value,
        metric=METRICS.get(indicator.metric or ""),
        detailed=detailed,
        bookings=_bookings(found.get("bookings"), participant) if detailed else [],
        unpriced=_bookings(found.get("unpriced"), participant) if detailed else [],
        reviews=_bookings(found.get("reviews"), participant) if detailed else [],
        nominations=_nominations(found.get("nominations"), participant) if detailed else [],
    )


def _bookings(refs, participant) -> list[Booking]:
    if not refs:
        return []
    rows = db.session.scalars(
        select(Booking)
        .where(Booking.ref.in_(refs), Booking.platform_id == participant.platform_id)
        .options(selectinload(Booking.organization), selectinload(Booking.review))
    )
    by_ref = {b.ref: b for b in rows}
    return [by_ref[r] for r in refs if r in by_ref]


def _nominations(refs, participant) -> list[CaseNomination]:
    if not refs:
        return []
    rows = db.session.scalars(
        select(CaseNomination).where(
            CaseNomination.ref.in_(refs), CaseNomination.platform_id == participant.platform_id
        )
    )
    by_ref = {n.ref: n for n in rows}
    return [by_ref[r] for r in refs if r in by_ref]
