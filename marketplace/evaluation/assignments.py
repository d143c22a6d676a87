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

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import current_app, url_for
from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import aliased, lazyload, selectinload

from .. import signals, vocab
from ..accounts.models import User
from ..core.errors import Conflict, DomainError, Forbidden
from ..core.locks import LockTimeout, lock_for_transaction
from ..core.models import AuditLog, utcnow
from ..core.numbers import Bounds
from ..core.urls import external_url
from ..experts import registry
from ..experts import services as expert_services
from ..experts.registry import AssignmentItem
from ..experts.services import conflict_joined, conflict_reason, declared_conflicts
from ..extensions import db
from ..platforms.models import Platform
from . import scoring
from .models import (
    ASSIGNMENT_WORKFLOW,
    CAMPAIGN_WORKFLOW,
    AssignmentStatus,
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
#: The longest part of a platform's name the experts' page searches for.
NAME_SEARCH_MAX = 50
#: How many platforms a notice or a message names before "等 N 个平台".
NAMES_LISTED = 10
#: The experts' page's filter of participants by their assignments (query parameter `experts`).
EXPERT_STATES = {
    "none": "未分配专家",
    "short": "专家人数不足",
    "full": "专家人数已满足",
    "flagged": "存在回避冲突",
}


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


def required_experts() -> int:
    """How many experts each participant should have (setting EXPERTS_PER_PARTICIPANT)."""
    return current_app.config["EXPERTS_PER_PARTICIPANT"]


@dataclass(frozen=True)
class AssignmentFilters:
    """What the experts' page narrows the participants to, each applied in SQL: a part of the
    platform's name, its city, and the state of its assignments (EXPERT_STATES)."""

    name: str = ""
    city: str = ""
    state: str = ""

    #: The query parameters of the filters (the pager and the forms keep them).
    KEEP = ("q", "city", "experts")

    @classmethod
    def read(cls, args) -> AssignmentFilters:
        """The filters named in a query string (or a form); unknown values filter nothing."""
        city, state = args.get("city", ""), args.get("experts", "")
        return cls(
            name=(args.get("q") or "").strip()[:NAME_SEARCH_MAX],
            city=city if city in vocab.ALL_CITIES else "",
            state=state if state in EXPERT_STATES else "",
        )

    def __bool__(self) -> bool:
        return bool(self.name or self.city or self.state)

    def args(self, **values) -> dict[str, str]:
        """The filters as query parameters (empty ones left out), with `values` set over them."""
        args = {"q": self.name, "city": self.city, "experts": self.state, **values}
        return {k: v for k, v in args.items() if v}

    def apply(self, stmt, assigned, flagged, required: int):
        """Narrow `stmt` (participants joined to their platform); `assigned`: the participant's number
        of assignments, `flagged`: whether one of them breaks the conflict rule."""
        if self.name:
            stmt = stmt.where(Platform.name.icontains(self.name, autoescape=True))
        if self.city:
            stmt = stmt.where(Platform.city == self.city)
        condition = {
            "none": assigned == 0,
            "short": assigned < required,
            "full": assigned >= required,
            "flagged": flagged,
        }.get(self.state)
        return stmt if condition is None else stmt.where(condition)


#: The rows an assignment's conflict is checked against, aliased once (an alias lists its columns
#: anew each time it is made: a few milliseconds a page).
_EXPERT, _PARTICIPANT, _PLATFORM = aliased(User), aliased(CampaignParticipant), aliased(Platform)


def _assigned_and_flagged(campaign: EvaluationCampaign):
    """The participants of `campaign` joined to their platform and their number of assignments (one
    GROUP BY), with the columns `assigned` and `flagged` (an assignment that breaks the conflict
    rule: a conflict declared after it was made, an expert who moved to the platform's organisation;
    the flagged participants found once, by joins, not by a lookup per participant)."""
    counts = (
        select(EvaluationAssignment.participant_id, func.count(EvaluationAssignment.id).label("n"))
        .where(EvaluationAssignment.campaign_id == campaign.id)
        .group_by(EvaluationAssignment.participant_id)
        .subquery()
    )
    expert, participant, platform = _EXPERT, _PARTICIPANT, _PLATFORM
    breaking, conflict = conflict_joined(
        select(EvaluationAssignment.participant_id)
        .join(participant, participant.id == EvaluationAssignment.participant_id)
        .join(platform, platform.id == participant.platform_id)
        .join(expert, expert.id == EvaluationAssignment.expert_id),
        expert.id,
        expert.org_id,
        platform.id,
        platform.org_id,
    )
    breaking = breaking.where(EvaluationAssignment.campaign_id == campaign.id, conflict).distinct().subquery()
    assigned = func.coalesce(counts.c.n, 0)
    flagged = breaking.c.participant_id.is_not(None)

    def base(*columns, counted: bool = True, flags: bool = True):
        stmt = (
            select(*columns)
            .select_from(CampaignParticipant)
            .join(Platform, Platform.id == CampaignParticipant.platform_id)
            .where(CampaignParticipant.campaign_id == campaign.id)
        )
        if counted:
            stmt = stmt.outerjoin(counts, counts.c.participant_id == CampaignParticipant.id)
        if flags:  # at most one row per participant (DISTINCT): counts stay exact
            stmt = stmt.outerjoin(breaking, breaking.c.participant_id == CampaignParticipant.id)
        return stmt

    return base, assigned, flagged


#: What lists of participants read of a platform (its name and city; its organisation for the conflict
#: rule and the page), not its long texts.
PLATFORM_LISTED = (Platform.name, Platform.city, Platform.org_id)


def participants_query(
    campaign: EvaluationCampaign,
    filters: AssignmentFilters = AssignmentFilters(),
    required: int | None = None,
):
    """The campaign's participants narrowed by `filters`, by platform name, with their platforms and
    the platforms' organisations."""
    base, assigned, flagged = _assigned_and_flagged(campaign)
    required = required_experts() if required is None else required
    counted = filters.state in ("none", "short", "full")  # the GROUP BY only when a filter reads it
    flags = filters.state == "flagged"
    stmt = filters.apply(base(CampaignParticipant, counted=counted, flags=flags), assigned, flagged, required)
    platform = selectinload(CampaignParticipant.platform)
    return stmt.order_by(Platform.name, CampaignParticipant.id).options(
        platform.load_only(*PLATFORM_LISTED).lazyload("*"),
        platform.selectinload(Platform.organization).lazyload("*"),
    )


def _with_organization(relationship, model) -> tuple:
    """Loader options of a list showing a related row with its organisation: each loaded once for
    the whole list, nothing else of theirs (label lists)."""
    return (
        selectinload(relationship).lazyload("*"),
        selectinload(relationship).selectinload(model.organization).lazyload("*"),
    )


def participants_by_id(campaign: EvaluationCampaign, ids: Iterable[int]) -> list[CampaignParticipant]:
    """The participants of `campaign` among `ids` (others are left out), by platform name."""
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.scalars(participants_query(campaign).where(CampaignParticipant.id.in_(ids))))


def state_counts(
    campaign: EvaluationCampaign,
    filters: AssignmentFilters = AssignmentFilters(),
    required: int | None = None,
) -> dict[str, int]:
    """{"": every participant, then each of EXPERT_STATES: how many} within the name and city filters,
    in one statement."""
    base, assigned, flagged = _assigned_and_flagged(campaign)
    required = required_experts() if required is None else required

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stmt = base(
        func.count(CampaignParticipant.id),
        count(assigned == 0),
        count(assigned < required),
        count(assigned >= required),
        count(flagged),
    )
    stmt = AssignmentFilters(filters.name, filters.city).apply(stmt, assigned, flagged, required)
    values = db.session.execute(stmt).one()
    return dict(zip(("", *EXPERT_STATES), (int(v or 0) for v in values), strict=True))


def campaign_counts(campaigns: list[EvaluationCampaign]) -> dict[int, tuple[int, int]]:
    """{campaign id: (its participants, its assignments)} of the campaigns with participants, in
    one GROUP BY."""
    if not campaigns:
        return {}
    rows = db.session.execute(
        select(
            CampaignParticipant.campaign_id,
            func.count(func.distinct(CampaignParticipant.id)),
            func.count(EvaluationAssignment.id),
        )
        .outerjoin(EvaluationAssignment, EvaluationAssignment.participant_id == CampaignParticipant.id)
        .where(CampaignParticipant.campaign_id.in_([c.id for c in campaigns]))
        .group_by(CampaignParticipant.campaign_id)
    )
    return {campaign_id: (participants, assigned) for campaign_id, participants, assigned in rows}


def expert_loads(campaign: EvaluationCampaign) -> Counter[int]:
    """{expert id: their number of assignments in `campaign`} (one GROUP BY)."""
    return Counter(
        dict(
            db.session.execute(
                select(EvaluationAssignment.expert_id, func.count(EvaluationAssignment.id))
                .where(EvaluationAssignment.campaign_id == campaign.id)
                .group_by(EvaluationAssignment.expert_id)
            ).all()
        )
    )


@dataclass
class ParticipantRow:
    """One participant on the experts' page: its assignments (oldest first), the means that will be
    used, and the assignments that break the conflict rule with the reason."""

    participant: CampaignParticipant
    assignments: list[EvaluationAssignment]
    means: list[IndicatorMean]
    conflicts: dict[int, str]  #: assignment id → why its expert may not score this platform


def rows_of(campaign: EvaluationCampaign, participants: list[CampaignParticipant]) -> list[ParticipantRow]:
    """The rows of a page of participants: their assignments with experts and scores, and the
    experts' declarations, each loaded once for the whole page."""
    by_participant = _assignments_by_participant([p.id for p in participants])
    expert_ids = {a.expert_id for items in by_participant.values() for a in items}
    declared = declared_conflicts(expert_ids, [p.platform_id for p in participants]) if expert_ids else set()
    indicators = expert_indicators(campaign)
    rows = []
    for p in participants:
        items = by_participant.get(p.id, [])
        conflicts = {a.id: conflict_reason(a.expert, p.platform, declared) for a in items}
        rows.append(
            ParticipantRow(
                p, items, _means(indicators, items), {k: why for k, why in conflicts.items() if why}
            )
        )
    return rows


def _assignments_by_participant(participant_ids: list[int]) -> dict[int, list[EvaluationAssignment]]:
    found: dict[int, list[EvaluationAssignment]] = {}
    if not participant_ids:
        return found
    stmt = (
        select(EvaluationAssignment)
        .where(EvaluationAssignment.participant_id.in_(participant_ids))
        .order_by(EvaluationAssignment.assigned_at, EvaluationAssignment.id)
        .options(
            *_with_organization(EvaluationAssignment.expert, User),
            selectinload(EvaluationAssignment.scores),
        )
    )
    for assignment in db.session.scalars(stmt):
        found.setdefault(assignment.participant_id, []).append(assignment)
    return found


def get_participant(admin, campaign: EvaluationCampaign, participant_id: int) -> CampaignParticipant:
    _require_admin(admin)
    participant = db.session.get(CampaignParticipant, participant_id)
    if participant is None or participant.campaign_id != campaign.id:
        raise LookupError(participant_id)
    return participant


def assignments_of_participant(participant: CampaignParticipant) -> list[EvaluationAssignment]:
    return _assignments_by_participant([participant.id]).get(participant.id, [])


def _check_assignable(campaign: EvaluationCampaign) -> None:
    if campaign.status not in ASSIGNABLE_PHASES:
        raise Conflict(
            (
                "status",
                f"评价处于“{campaign.status_label}”阶段：只有在自评填报或专家评审阶段可以分配或撤销专家。",
            )
        )


@dataclass
class Pool:
    """What the assignment rules read about a campaign, loaded once for a whole selection: the
    experts, the pairs already assigned, each participant's and each expert's number of assignments,
    and the experts' declared conflicts (expert id, platform id)."""

    experts: list
    assigned: set[tuple[int, int]]  #: (participant id, expert id)
    declared: set[tuple[int, int]]
    per_participant: Counter[int] = field(default_factory=Counter)
    load: Counter[int] = field(default_factory=Counter)

    def add(self, participant_id: int, expert_id: int) -> None:
        self.assigned.add((participant_id, expert_id))
        self.per_participant[participant_id] += 1
        self.load[expert_id] += 1


def pool_of(campaign: EvaluationCampaign, experts: list, platform_ids: Iterable[int] | None = None) -> Pool:
    """The pool of `campaign` for `experts` (two statements; `platform_ids`: only the declarations
    with these platforms)."""
    pairs = db.session.execute(
        select(EvaluationAssignment.participant_id, EvaluationAssignment.expert_id).where(
            EvaluationAssignment.campaign_id == campaign.id
        )
    ).all()
    declared = declared_conflicts([e.id for e in experts], platform_ids) if experts else set()
    pool = Pool(experts, set(), declared)
    for participant_id, expert_id in pairs:
        pool.add(participant_id, expert_id)
    return pool


def refusal(participant: CampaignParticipant, expert, pool: Pool | None = None) -> str | None:
    """Why `expert` cannot be assigned to `participant` now (not an expert, a conflict, already
    assigned), or None; `pool`: what `pool_of` loaded for a whole list (else looked up)."""
    if not expert.is_expert or not expert.is_enabled:
        return "该账户不是可用的评审专家账户。"
    reason = conflict_reason(expert, participant.platform, None if pool is None else pool.declared)
    if reason:
        return reason
    if pool is None:
        if _existing(participant, expert) is not None:
            return "已分配"
    elif (participant.id, expert.id) in pool.assigned:
        return "已分配"
    return None


def _existing(participant: CampaignParticipant, expert) -> EvaluationAssignment | None:
    return db.session.scalar(
        select(EvaluationAssignment).where(
            EvaluationAssignment.participant_id == participant.id, EvaluationAssignment.expert_id == expert.id
        )
    )


def choose(participant: CampaignParticipant, pool: Pool, required: int) -> list:
    """The automatic rule: the experts who may be assigned to `participant` (`refusal`: not their own
    organisation's platform, no declared conflict, not already assigned), those with the fewest
    assignments in the campaign first (then by name), until it has `required` experts."""
    missing = required - pool.per_participant[participant.id]
    if missing <= 0:
        return []
    free = [e for e in pool.experts if refusal(participant, e, pool) is None]
    free.sort(key=lambda e: (pool.load[e.id], e.name, e.id))
    return free[:missing]


def assign(admin, participant: CampaignParticipant, expert) -> EvaluationAssignment:
    """Assign one expert to one participant (the expert is told)."""
    _require_admin(admin)
    _check_assignable(participant.campaign)
    why = refusal(participant, expert)
    if why:
        raise DomainError(("expert_ids", f"不能分配{expert.name}：{why}。"))
    assignment = _create(admin, participant, expert)
    _tell_assigned(expert, participant.campaign, [participant])
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


@dataclass(frozen=True)
class Assigned:
    """One assignment a bulk action made."""

    participant: CampaignParticipant
    expert: object
    id: int


@dataclass
class BulkResult:
    """What a bulk assignment did: who was assigned where, and who was skipped and why."""

    assigned: list[Assigned] = field(default_factory=list)
    #: (participant, expert, reason)
    skipped: list[tuple[CampaignParticipant, object, str]] = field(default_factory=list)


def _lock(campaign: EvaluationCampaign) -> None:
    """Bulk assignments of one campaign take turns (each reads the pairs the previous one made)."""
    try:
        lock_for_transaction(
            f"evaluation-assign:{campaign.id}", current_app.config["EXPERT_ASSIGN_LOCK_WAIT"]
        )
    except LockTimeout:
        raise Conflict(("expert_ids", "另一项专家分配正在进行，请稍后再试。")) from None


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
    _lock(campaign)
    platforms = _load_platforms(participants)  # noqa: F841 (kept in the session while the rules read them)
    pool = pool_of(campaign, experts)
    result, pairs = BulkResult(), []
    for participant in participants:
        for expert in experts:
            why = refusal(participant, expert, pool)
            if why:
                result.skipped.append((participant, expert, why))
            else:
                pairs.append((participant, expert))
                pool.add(participant.id, expert.id)
    ids = _insert(admin, campaign, pairs)
    result.assigned = [Assigned(p, e, i) for (p, e), i in zip(pairs, ids, strict=True)]
    _tell_each(campaign, pairs)
    return result


def _load_platforms(participants: list[CampaignParticipant], chunk: int = 500) -> list[Platform]:
    """Load the participants' platforms a chunk at a time (not their label lists), so that the rules
    read `participant.platform` from the session instead of one query each. The caller keeps the
    list while it works (the session holds its rows by weak reference)."""
    ids = sorted({p.platform_id for p in participants})
    platforms = []
    for start in range(0, len(ids), chunk):
        stmt = select(Platform).where(Platform.id.in_(ids[start : start + chunk])).options(lazyload("*"))
        platforms += db.session.scalars(stmt)
    return platforms


@dataclass
class AutoResult:
    """What the automatic assignment did."""

    required: int
    assigned: int = 0  #: assignments made
    platforms: int = 0  #: participants that got at least one expert
    #: participants still short of `required` experts: too few experts free of conflicts
    short: list[CampaignParticipant] = field(default_factory=list)

    def message(self) -> str:
        text = f"已为 {self.platforms} 个平台分配专家（共 {self.assigned} 项）"
        if self.short:
            text += (
                f"，{len(self.short)} 个平台因回避规则无足够的可用专家（每个平台需 {self.required} 位）："
                + names_of(p.platform.name for p in self.short)
            )
        return text + "。"


def names_of(names: Iterable[str]) -> str:
    """“A”、“B” … naming at most NAMES_LISTED, then how many in all."""
    names = list(names)
    listed = "、".join(f"“{name}”" for name in names[:NAMES_LISTED])
    return listed if len(names) <= NAMES_LISTED else f"{listed}等 {len(names)} 个平台"


def auto_assign(
    admin, campaign: EvaluationCampaign, filters: AssignmentFilters = AssignmentFilters()
) -> AutoResult:
    """Top up every participant within the name and city `filters` that has fewer than the required
    experts, by the automatic rule (`choose`), with a bounded number of statements: the experts,
    assignments and declarations are read once, the assignments and their audit rows written in
    batches; each expert gets one notice listing their new platforms."""
    _require_admin(admin)
    _check_assignable(campaign)
    experts = expert_services.experts()
    if not experts:
        raise DomainError(("experts", "还没有可用的评审专家账户。"))
    required = required_experts()
    _lock(campaign)
    short = AssignmentFilters(filters.name, filters.city, "short")
    participants = list(db.session.scalars(participants_query(campaign, short, required)))
    pool = pool_of(campaign, experts)
    result, pairs = AutoResult(required), []
    for participant in participants:
        chosen = choose(participant, pool, required)
        for expert in chosen:
            pairs.append((participant, expert))
            pool.add(participant.id, expert.id)
        result.platforms += bool(chosen)
        if pool.per_participant[participant.id] < required:
            result.short.append(participant)
    _insert(admin, campaign, pairs, reason="按规则自动分配")
    result.assigned = len(pairs)
    _tell_each(campaign, pairs)
    return result


def _insert(admin, campaign: EvaluationCampaign, pairs: list, reason: str | None = None) -> list[int]:
    """The assignments of (participant, expert) `pairs` in one executemany, then their ids and their
    entry into ASSIGNMENT_WORKFLOW (the audit rows, one executemany)."""
    if not pairs:
        return []
    at = utcnow()
    rows = [
        {
            "campaign_id": campaign.id,
            "participant_id": participant.id,
            "expert_id": expert.id,
            "assigned_by_id": admin.id,
            "assigned_at": at,
            "comment": "",
            "submitted_at": None,
        }
        for participant, expert in pairs
    ]
    db.session.execute(insert(EvaluationAssignment.__table__), rows)
    ids = {
        (participant_id, expert_id): assignment_id
        for assignment_id, participant_id, expert_id in db.session.execute(
            select(
                EvaluationAssignment.id, EvaluationAssignment.participant_id, EvaluationAssignment.expert_id
            ).where(EvaluationAssignment.campaign_id == campaign.id)
        )
    }
    new_ids = [ids[(participant.id, expert.id)] for participant, expert in pairs]
    ASSIGNMENT_WORKFLOW.record_entries(new_ids, AssignmentStatus.ASSIGNED, by=admin, reason=reason)
    return new_ids


def _tell_each(campaign: EvaluationCampaign, pairs: list) -> None:
    by_expert: dict[int, tuple[object, list[CampaignParticipant]]] = {}
    for participant, expert in pairs:
        by_expert.setdefault(expert.id, (expert, []))[1].append(participant)
    for expert, participants in by_expert.values():
        _tell_assigned(expert, campaign, participants)


def _tell_assigned(expert, campaign: EvaluationCampaign, participants: list[CampaignParticipant]) -> None:
    names = names_of(p.platform.name for p in participants)
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
    return _means(expert_indicators(participant.campaign), assignments_of_participant(participant))


def _means(
    indicators: list[EvaluationIndicator], assignments: list[EvaluationAssignment]
) -> list[IndicatorMean]:
    submitted = [a for a in assignments if a.is_submitted]
    out = []
    for indicator in indicators:
        points = [
            (a.expert.name, s.points) for a in submitted for s in a.scores if s.indicator_id == indicator.id
        ]
        out.append(IndicatorMean(indicator, points, scoring.expert_mean([p for _, p in points])))
    return out


# ---------------------------------------------------------------- experts


def assignments_of(
    expert, campaign: EvaluationCampaign | None = None, *, with_scores: bool = False
) -> list[EvaluationAssignment]:
    """The expert's own assignments, the newest campaign first, then by platform name, with their
    participants, platforms and campaigns (`with_scores`: and their scores) loaded for the list."""
    _require_expert(expert)
    stmt = (
        select(EvaluationAssignment)
        .where(EvaluationAssignment.expert_id == expert.id)
        .options(
            selectinload(EvaluationAssignment.participant).selectinload(CampaignParticipant.campaign),
            selectinload(EvaluationAssignment.participant)
            .selectinload(CampaignParticipant.platform)
            .lazyload("*"),
        )
    )
    if with_scores:
        stmt = stmt.options(selectinload(EvaluationAssignment.scores))
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
    return _workspace_items(
        expert,
        EvaluationAssignment.submitted_at.is_(None),
        EvaluationCampaign.status.in_(ASSIGNABLE_PHASES),
    )


def done_items(expert) -> list[AssignmentItem]:
    return _workspace_items(expert, EvaluationAssignment.submitted_at.is_not(None))


def _workspace_items(expert, *conditions) -> list[AssignmentItem]:
    """`_item` of the expert's assignments meeting `conditions`, in the order of `assignments_of`,
    read as plain columns in one statement (an expert may have hundreds)."""
    _require_expert(expert)
    stmt = (
        select(
            EvaluationAssignment.id,
            EvaluationAssignment.submitted_at,
            EvaluationCampaign.title,
            EvaluationCampaign.status,
            EvaluationCampaign.year,
            Platform.name,
        )
        .join(CampaignParticipant, CampaignParticipant.id == EvaluationAssignment.participant_id)
        .join(EvaluationCampaign, EvaluationCampaign.id == CampaignParticipant.campaign_id)
        .join(Platform, Platform.id == CampaignParticipant.platform_id)
        .where(EvaluationAssignment.expert_id == expert.id, *conditions)
    )
    rows = sorted(db.session.execute(stmt), key=lambda r: (-r.year, r.name, r.id))
    # url_for once: the id is the route's last segment (what url_for would write for each)
    prefix = url_for("expert_review.score", assignment_id=0).removesuffix("0")
    labels = {state: ASSIGNMENT_WORKFLOW.label(state) for state in AssignmentStatus}
    return [
        AssignmentItem(
            title=r.title,
            platform=r.name,
            status_label=labels[
                AssignmentStatus.ASSIGNED if r.submitted_at is None else AssignmentStatus.SUBMITTED
            ],
            url=f"{prefix}{r.id}",
            phase=CAMPAIGN_WORKFLOW.label(r.status),
        )
        for r in rows
    ]


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
