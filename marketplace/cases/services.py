"""Use cases of the typical-case selection (典型案例遴选): rounds and their phases (administrators),
nominations with verified evidence (operators), expert rubric reviews under the conflict rule,
the selection within each category's quota, publication and the public showcase. Each function takes
the acting user and checks permission and phase here; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from .. import signals, vocab
from ..accounts.models import Role, User
from ..attachments.services import Purpose, register_owner
from ..bookings.models import DONE, Booking
from ..core.errors import Conflict, DomainError, Forbidden, load_permitted, load_visible
from ..core.models import utcnow
from ..core.numbers import Bounds, check_numbers
from ..core.timeutil import format_date, local_today
from ..core.urls import external_url
from ..evaluation import scoring
from ..experts import registry
from ..experts.registry import AssignmentItem
from ..experts.services import conflict_reason
from ..extensions import db
from ..platforms import services as platform_services
from ..platforms.models import Platform
from ..platforms.services import operators_of
from .models import (
    NOMINATION_WORKFLOW,
    ROUND_WORKFLOW,
    CaseCategory,
    CaseNomination,
    CaseReview,
    NominationStatus,
    RoundPhase,
    SelectionRound,
)

N, RP = NominationStatus, RoundPhase
TEXT_MAX = 5000
TITLE_MAX = 200
COMMENT_MAX = 2000
YEAR = Bounds("年度", 2000, 2100, integer=True)
QUOTA = Bounds("名额", 0, 100, integer=True)
POINTS = {code: Bounds(label, 0, 100, integer=True) for code, label in vocab.CASE_CRITERIA.items()}
#: Nominations the administrator ranks and selects among.
IN_SELECTION = (N.SUBMITTED, N.SELECTED)
#: Nominations an administrator handles (drafts stay the platform's own until submitted).
SUBMITTED_ONCE = (N.SUBMITTED, N.RETURNED, N.SELECTED, N.NOT_SELECTED, N.WITHDRAWN)
EDITABLE = (N.DRAFT, N.RETURNED)
#: How a case's score is taken, shown beside the ranking.
SCORE_RULE = (
    "每位专家按创新性、示范引领、可复制推广、实际成效四项各打 0-100 分，取四项平均为该专家的评分；"
    f"案例得分为各专家评分的平均，{scoring.TRIM_FROM} 位及以上专家评分时去掉一个最高分和一个最低分。"
)


def _require_admin(user) -> None:
    if not (user and user.is_authenticated and user.is_admin):
        raise Forbidden()


def _tell(sender, users, message: str, link: str) -> None:
    if users and not signals.notice.is_muted:
        signals.notice.send(sender, users=users, message=message, link=link)


# ---------------------------------------------------------------- rounds (administrators)


def validate_round(data: dict, current: SelectionRound | None = None) -> None:
    """A round's year (one per year), title, description, deadline and quotas; refuses beside each field."""
    errors = check_numbers(data, {"year": YEAR})
    if data.get("year") is None:
        errors.append(("year", "请填写年度。"))
    elif not errors:
        taken = db.session.scalar(select(SelectionRound.id).where(SelectionRound.year == data["year"]))
        if taken and (current is None or taken != current.id):
            errors.append(("year", f"{data['year']} 年度的遴选已经创建。"))
    title = (data.get("title") or "").strip()
    if not title:
        errors.append(("title", "请填写标题。"))
    elif len(title) > TITLE_MAX:
        errors.append(("title", f"不能超过 {TITLE_MAX} 个字符。"))
    if len(data.get("description") or "") > TEXT_MAX:
        errors.append(("description", f"不能超过 {TEXT_MAX} 个字符。"))
    quotas = data.get("quotas") or {}
    for category in CaseCategory:
        field = f"quota_{category.value}"
        value = quotas.get(category.value)
        if value is None:
            errors.append((field, "请填写名额。"))
        elif message := QUOTA.problem(value):
            errors.append((field, message))
    if not errors and not any(quotas.values()):
        errors.append(("quota_service", "至少有一个类别的名额大于 0。"))
    if errors:
        raise DomainError(*errors)


def _assign_round(rnd: SelectionRound, data: dict) -> None:
    rnd.year = data["year"]
    rnd.title = data["title"].strip()
    rnd.description = (data.get("description") or "").strip()
    rnd.nomination_deadline = data.get("nomination_deadline")
    rnd.quotas = {c.value: int(data["quotas"][c.value]) for c in CaseCategory}


def create_round(user, data: dict) -> SelectionRound:
    _require_admin(user)
    validate_round(data)
    rnd = SelectionRound(created_by_id=user.id, status=RP.DRAFT)
    _assign_round(rnd, data)
    db.session.add(rnd)
    db.session.flush()
    ROUND_WORKFLOW.record_entry(rnd, by=user)
    return rnd


def update_round(user, rnd: SelectionRound, data: dict) -> SelectionRound:
    _require_admin(user)
    if rnd.status != RP.DRAFT:
        raise Conflict(("status", "只有草稿状态的遴选可以修改。"))
    validate_round(data, rnd)
    _assign_round(rnd, data)
    return rnd


def get_round(user, round_id: int) -> SelectionRound:
    return load_permitted(SelectionRound, round_id, lambda r: bool(user and user.is_admin))


def all_rounds() -> list[SelectionRound]:
    return list(db.session.scalars(select(SelectionRound).order_by(SelectionRound.year.desc())))


def round_actions(rnd: SelectionRound) -> list[str]:
    return ROUND_WORKFLOW.allowed_actions(rnd.status)


def change_phase(user, rnd: SelectionRound, action: str) -> None:
    """open (needs a deadline not yet passed; the operators of approved platforms are told),
    start_review, publish (needs a selection; the rest become 未入选, the nominators are told)."""
    _require_admin(user)

    def deadline(r, _by):
        if action != "open":
            return None
        if r.nomination_deadline is None:
            return ("nomination_deadline", "请先设置推荐截止日期。")
        if r.nomination_deadline < local_today():
            return ("nomination_deadline", "推荐截止日期已过，请先修改。")
        return None

    def selection(r, _by):
        if action == "publish" and not any(n.status == N.SELECTED for n in r.nominations):
            return "尚未选定任何入选案例。"
        return None

    ROUND_WORKFLOW.apply(rnd, action, by=user, guards=[deadline, selection])
    if action == "open":
        _announce_open(rnd)
    elif action == "publish":
        _publish(user, rnd)


def _announce_open(rnd: SelectionRound) -> None:
    platforms = db.session.scalars(select(Platform).where(Platform.is_public)).all()
    users = [u for p in platforms for u in operators_of(p)]
    message = (
        f"{rnd.title}开始征集：请于 {format_date(rnd.nomination_deadline)} 前推荐本平台的"
        "中试服务、解决方案和应用案例。"
    )
    _tell(rnd, users, message, external_url("cases.mine"))


def _publish(user, rnd: SelectionRound) -> None:
    rnd.published_at = utcnow()
    told: dict[int, list[User]] = {}
    for nomination in rnd.nominations:
        if nomination.status == N.SUBMITTED:
            NOMINATION_WORKFLOW.apply(nomination, "not_select", by=user)
        if nomination.status in (N.SELECTED, N.NOT_SELECTED):
            told.setdefault(nomination.platform_id, operators_of(nomination.platform))
            result = "入选" if nomination.is_selected else "未入选"
            _tell(
                nomination,
                told[nomination.platform_id],
                f"{rnd.title}结果已公布：“{nomination.title}”{result}。",
                external_url("cases.nomination", nomination_id=nomination.id),
            )


def history(obj) -> list:
    workflow = ROUND_WORKFLOW if isinstance(obj, SelectionRound) else NOMINATION_WORKFLOW
    return workflow.history(obj)


# ---------------------------------------------------------------- nominations (operators)


def can_manage(user, nomination: CaseNomination) -> bool:
    return platform_services.can_manage(user, nomination.platform)


def is_reviewer(user, nomination: CaseNomination) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_expert
        and any(r.expert_id == user.id for r in nomination.reviews)
    )


def is_public(nomination: CaseNomination) -> bool:
    """Anybody sees a case selected in a published round, of a platform that is public."""
    return nomination.is_selected and nomination.round.is_published and nomination.platform.is_public


def can_view(user, nomination: CaseNomination) -> bool:
    """Its platform's operators, administrators (once submitted), its assigned experts, and
    anybody once it is a published selected case."""
    if is_public(nomination) or can_manage(user, nomination) or is_reviewer(user, nomination):
        return True
    return bool(user and user.is_authenticated and user.is_admin and nomination.status != N.DRAFT)


def can_view_files(user, nomination: CaseNomination) -> bool:
    """Attached files (not images) are for the platform, administrators and the assigned experts."""
    return (
        can_manage(user, nomination)
        or is_reviewer(user, nomination)
        or bool(user and user.is_authenticated and user.is_admin and nomination.status != N.DRAFT)
    )


def is_open_for(nomination: CaseNomination, today: date | None = None) -> bool:
    """May the platform still edit and submit it? While the round takes nominations, until its
    deadline; a nomination returned for correction may be submitted again after the deadline as long
    as the round still takes nominations."""
    rnd = nomination.round
    if rnd.status != RP.NOMINATING:
        return False
    if nomination.status == N.RETURNED:
        return True
    return rnd.nomination_deadline is None or (today or local_today()) <= rnd.nomination_deadline


def can_edit(user, nomination: CaseNomination) -> bool:
    return can_manage(user, nomination) and nomination.status in EDITABLE and is_open_for(nomination)


def get_managed(user, nomination_id: int) -> CaseNomination:
    return load_permitted(CaseNomination, nomination_id, lambda n: can_manage(user, n))


def get_visible(user, nomination_id: int) -> CaseNomination | None:
    return load_visible(CaseNomination, nomination_id, lambda n: can_view(user, n))


def get_for_admin(user, nomination_id: int) -> CaseNomination:
    return load_permitted(
        CaseNomination, nomination_id, lambda n: bool(user and user.is_admin) and n.status != N.DRAFT
    )


def open_rounds(today: date | None = None) -> list[SelectionRound]:
    """Rounds taking nominations now (before their deadline)."""
    today = today or local_today()
    return [
        r
        for r in db.session.scalars(select(SelectionRound).where(SelectionRound.status == RP.NOMINATING))
        if r.nomination_deadline is None or today <= r.nomination_deadline
    ]


def nominating_platforms(user) -> list[Platform]:
    """The user's approved platforms, which may nominate cases."""
    if not (user and user.is_authenticated and user.is_operator):
        return []
    return [p for p in platform_services.platforms_of(user) if p.is_public]


def nominations_of(user) -> list[CaseNomination]:
    """The nominations of the user's platforms, newest round first."""
    if not (user and user.is_authenticated and user.is_operator):
        return []
    return list(
        db.session.scalars(
            select(CaseNomination)
            .join(SelectionRound)
            .where(CaseNomination.platform.has(Platform.org_id == user.org_id))
            .order_by(SelectionRound.year.desc(), CaseNomination.id.desc())
        )
    )


def done_work_of(platform: Platform) -> list[Booking]:
    """The platform's completed bookings and orders (the evidence a nomination may cite), newest first."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.platform_id == platform.id, Booking.status.in_(DONE))
            .order_by(Booking.completed_at.desc(), Booking.id.desc())
        )
    )


def validate_nomination(data: dict, platform: Platform | None) -> list[Booking]:
    """The nomination's fields, and its evidence: completed work of `platform` only. Returns the
    evidence bookings; raises DomainError beside each field."""
    errors = []
    if data.get("category") not in {c.value for c in CaseCategory}:
        errors.append(("category", "请选择案例类别。"))
    for field, label, limit in (
        ("title", "案例名称", TITLE_MAX),
        ("problem", "企业面临的问题", TEXT_MAX),
        ("approach", "平台的做法", TEXT_MAX),
        ("results", "取得的成效", TEXT_MAX),
    ):
        text = (data.get(field) or "").strip()
        if not text:
            errors.append((field, f"请填写{label}。"))
        elif len(text) > limit:
            errors.append((field, f"不能超过 {limit} 个字符。"))
    evidence: list[Booking] = []
    ids = list(dict.fromkeys(data.get("evidence") or []))
    if ids and platform is not None:
        evidence = list(db.session.scalars(select(Booking).where(Booking.id.in_(ids))))
        if len(evidence) != len(ids) or any(
            b.platform_id != platform.id or b.status not in DONE for b in evidence
        ):
            errors.append(("evidence", "只能选择本平台已完成的预约或订单作为佐证。"))
    if errors:
        raise DomainError(*errors)
    return sorted(evidence, key=lambda b: ids.index(b.id))


def _assign_nomination(nomination: CaseNomination, data: dict, evidence: list[Booking]) -> None:
    nomination.category = data["category"]
    for field in ("title", "problem", "approach", "results"):
        setattr(nomination, field, data[field].strip())
    nomination.evidence = evidence


def create_nomination(user, rnd: SelectionRound, platform_id: int | None, data: dict) -> CaseNomination:
    """A draft nomination of one of the user's approved platforms in a round taking nominations."""
    platform = db.session.get(Platform, platform_id) if platform_id else None
    if platform is None or not platform_services.can_manage(user, platform) or not platform.is_public:
        if not (user and user.is_authenticated and user.is_operator):
            raise Forbidden()
        raise DomainError(("platform_id", "请选择本单位已通过审核的平台。"))
    if rnd not in open_rounds():
        raise Conflict(("status", "该遴选当前不接受推荐（未开始征集或已过截止日期）。"))
    evidence = validate_nomination(data, platform)
    nomination = CaseNomination(round=rnd, platform=platform, created_by_id=user.id, status=N.DRAFT)
    _assign_nomination(nomination, data, evidence)
    db.session.add(nomination)
    db.session.flush()
    NOMINATION_WORKFLOW.record_entry(nomination, by=user)
    return nomination


def update_nomination(user, nomination: CaseNomination, data: dict) -> CaseNomination:
    if not can_manage(user, nomination):
        raise Forbidden()
    if nomination.status not in EDITABLE:
        raise Conflict(("status", "已提交的推荐不能修改；如需修改请先撤回，或等待管理员退回。"))
    if not is_open_for(nomination):
        raise Conflict(("status", "推荐已截止，不能再修改。"))
    evidence = validate_nomination(data, nomination.platform)
    _assign_nomination(nomination, data, evidence)
    return nomination


def submit_nomination(user, nomination: CaseNomination) -> None:
    if not can_manage(user, nomination):
        raise Forbidden()
    if not is_open_for(nomination):
        raise Conflict(("status", "推荐已截止，不能再提交。"))

    def complete(n, _by):
        if not n.evidence:
            return ("evidence", "请至少选择一项本平台已完成的服务作为佐证。")
        return None

    NOMINATION_WORKFLOW.apply(nomination, "submit", by=user, guards=[complete])
    nomination.submitted_at = utcnow()
    nomination.return_comment = ""


def withdraw_nomination(user, nomination: CaseNomination) -> None:
    """The platform takes its nomination back (not once the round is published)."""
    if not can_manage(user, nomination):
        raise Forbidden()
    if nomination.round.is_published:
        raise Conflict(("status", "结果已公布，不能撤回。"))
    NOMINATION_WORKFLOW.apply(nomination, "withdraw", by=user)


def return_nomination(user, nomination: CaseNomination, comment: str) -> None:
    """An administrator returns a submitted nomination for correction, while the round takes nominations."""
    _require_admin(user)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(("comment", "请填写退回意见，平台将看到该意见。"))
    if len(comment) > COMMENT_MAX:
        raise DomainError(("comment", f"不能超过 {COMMENT_MAX} 个字符。"))
    if nomination.round.status != RP.NOMINATING:
        raise Conflict(("comment", "只能在征集阶段退回推荐。"))
    NOMINATION_WORKFLOW.apply(nomination, "return", by=user, reason=comment)
    nomination.return_comment = comment
    _tell(
        nomination,
        operators_of(nomination.platform),
        f"您推荐的案例“{nomination.title}”被退回修改。意见：{comment}",
        external_url("cases.nomination", nomination_id=nomination.id),
    )


def operator_actions(user, nomination: CaseNomination) -> list[str]:
    """The buttons the platform sees: submit while open, withdraw until publication."""
    if not can_manage(user, nomination):
        return []
    actions = []
    if nomination.status in EDITABLE and is_open_for(nomination):
        actions.append("submit")
    if NOMINATION_WORKFLOW.can(nomination, "withdraw") and not nomination.round.is_published:
        actions.append("withdraw")
    return actions


def round_nominations(rnd: SelectionRound) -> list[CaseNomination]:
    """A round's nominations as administrators see them (drafts stay the platforms' own)."""
    return [n for n in sorted(rnd.nominations, key=lambda n: n.id) if n.status in SUBMITTED_ONCE]


# ---------------------------------------------------------------- expert reviews


def experts() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.EXPERT, User.is_enabled.is_(True)).order_by(User.name)
        )
    )


def expert_candidates(nomination: CaseNomination) -> list[tuple[User, str | None, bool]]:
    """Every expert with the reason they may not review this nomination (None: they may) and
    whether they are assigned already."""
    assigned = {r.expert_id for r in nomination.reviews}
    return [(e, conflict_reason(e, nomination.platform), e.id in assigned) for e in experts()]


def can_assign(nomination: CaseNomination) -> bool:
    return nomination.status in IN_SELECTION and nomination.round.status in (RP.NOMINATING, RP.REVIEWING)


def assign_experts(user, nomination: CaseNomination, expert_ids) -> list[CaseReview]:
    """Assign experts to a submitted nomination; never one the conflict rule excludes."""
    _require_admin(user)
    if not can_assign(nomination):
        raise Conflict(("experts", "只能为已提交的推荐、在征集或评审阶段分配专家。"))
    ids = list(dict.fromkeys(expert_ids or []))
    if not ids:
        raise DomainError(("experts", "请选择专家。"))
    chosen = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    assigned = {r.expert_id for r in nomination.reviews}
    errors, added = [], []
    for expert_id in ids:
        expert = chosen.get(expert_id)
        if expert is None or not expert.is_expert or not expert.is_enabled:
            errors.append(("experts", "所选用户不是可用的评审专家。"))
            continue
        if reason := conflict_reason(expert, nomination.platform):
            errors.append(("experts", f"{expert.name}：{reason}，不能评审该案例。"))
            continue
        if expert_id not in assigned:
            added.append(expert)
    if errors:
        raise DomainError(*errors)
    reviews = []
    for expert in added:
        review = CaseReview(nomination=nomination, expert=expert, assigned_by_id=user.id)
        db.session.add(review)
        db.session.flush()  # the notice links to the review
        reviews.append(review)
        _tell(
            review,
            [expert],
            f"请评审典型案例“{nomination.title}”（{nomination.category_label}）。",
            external_url("cases.review", review_id=review.id),
        )
    db.session.flush()
    return reviews


def unassign(user, review: CaseReview) -> None:
    _require_admin(user)
    if review.submitted_at is not None:
        raise Conflict(("experts", "专家已提交评分，不能取消分配。"))
    nomination = review.nomination
    nomination.reviews.remove(review)
    db.session.delete(review)
    db.session.flush()


def get_review(user, review_id: int) -> CaseReview:
    """The expert's own assignment; LookupError/Forbidden (404) for anybody else's."""
    return load_permitted(
        CaseReview, review_id, lambda r: bool(user and user.is_authenticated and r.expert_id == user.id)
    )


def _reviews_of(expert):
    return (
        select(CaseReview)
        .join(CaseNomination)
        .join(SelectionRound)
        .where(CaseReview.expert_id == expert.id, CaseNomination.status.in_(IN_SELECTION + (N.NOT_SELECTED,)))
        .options(selectinload(CaseReview.nomination))
        .order_by(SelectionRound.year.desc(), CaseReview.id)
    )


def pending_reviews(expert) -> list[CaseReview]:
    """The expert's case reviews still to score (their round may not be in review yet)."""
    return [
        r
        for r in db.session.scalars(_reviews_of(expert).where(CaseReview.submitted_at.is_(None)))
        if r.nomination.status in IN_SELECTION and not r.nomination.round.is_published
    ]


def done_reviews(expert) -> list[CaseReview]:
    """The expert's submitted case reviews, newest round first."""
    return list(db.session.scalars(_reviews_of(expert).where(CaseReview.submitted_at.is_not(None))))


def _item(review: CaseReview) -> AssignmentItem:
    nomination = review.nomination
    if review.submitted_at is not None:
        status = "已提交"
    else:
        status = "待评分" if review_open(review) else "等待进入评审阶段"
    return AssignmentItem(
        title=f"{nomination.round.year} 年度典型案例：{nomination.title}（{nomination.category_label}）",
        platform=nomination.platform.name,
        status_label=status,
        url=url_for("cases.review", review_id=review.id),
        phase=nomination.round.status_label,
    )


def withdraw_reviews(expert, platform, by) -> list[AssignmentItem]:
    """Remove `expert`'s unsubmitted reviews of `platform`'s nominations in rounds not yet published
    (a conflict they just declared); what was removed."""
    removed = []
    for review in pending_reviews(expert):
        if review.nomination.platform_id == platform.id:
            removed.append(_item(review))
            review.nomination.reviews.remove(review)
            db.session.delete(review)
    db.session.flush()
    return removed


def reviews_submitted_for(expert, platform) -> list[AssignmentItem]:
    return [
        _item(r)
        for r in done_reviews(expert)
        if r.nomination.platform_id == platform.id and not r.nomination.round.is_published
    ]


def register_expert_work() -> None:
    """List the experts' case reviews in their workspace (experts.registry)."""
    registry.register_assignments(
        "cases",
        "典型案例评审",
        pending=lambda expert: [_item(r) for r in pending_reviews(expert)],
        done=lambda expert: [_item(r) for r in done_reviews(expert)],
        withdraw=withdraw_reviews,
        submitted_for=reviews_submitted_for,
    )


def review_open(review: CaseReview) -> bool:
    """Scores may be entered: the round is in review, the nomination in the selection, not yet submitted."""
    return (
        review.submitted_at is None
        and review.nomination.round.status == RP.REVIEWING
        and review.nomination.status in IN_SELECTION
    )


def validate_scores(scores: dict, submit: bool, comment: str = "") -> None:
    errors = [(code, message) for code, message in check_numbers(scores, POINTS)]
    unknown = set(scores) - set(vocab.CASE_CRITERIA)
    if unknown:
        errors.append(("scores", f"未知的评分项：{'、'.join(sorted(unknown))}。"))
    if submit:
        errors += [
            (code, f"提交前请为“{label}”打分。")
            for code, label in vocab.CASE_CRITERIA.items()
            if scores.get(code) is None
        ]
    if len(comment or "") > COMMENT_MAX:
        errors.append(("comment", f"不能超过 {COMMENT_MAX} 个字符。"))
    if errors:
        raise DomainError(*errors)


def save_review(user, review: CaseReview, scores: dict, comment: str = "", submit: bool = False) -> None:
    """The expert saves (or submits) their rubric scores, 0-100 each (a criterion left out keeps its
    saved points; None clears it); read-only once submitted and outside the review phase. Submitting
    needs all four and recomputes the nomination's score."""
    if not (user and user.is_authenticated and review.expert_id == user.id):
        raise Forbidden()
    if review.submitted_at is not None:
        raise Conflict(("status", "评分已提交，不能修改。"))
    if review.nomination.round.status != RP.REVIEWING or review.nomination.status not in IN_SELECTION:
        raise Conflict(("status", "当前不在专家评审阶段，不能评分。"))
    merged = {code: scores[code] if code in scores else getattr(review, code) for code in vocab.CASE_CRITERIA}
    validate_scores({**scores, **merged}, submit, comment)
    for code, points in merged.items():
        setattr(review, code, points)
    review.comment = (comment or "").strip()
    if submit:
        review.submitted_at = utcnow()
        recompute_score(review.nomination)
    db.session.flush()


def expert_result(nomination: CaseNomination) -> scoring.ExpertMean:
    """The experts' mean of the submitted reviews' rubric means, with the trimming rule stated."""
    return scoring.expert_mean(
        [r.mean for r in nomination.reviews if r.submitted_at is not None and r.mean is not None]
    )


def recompute_score(nomination: CaseNomination) -> float | None:
    value = expert_result(nomination).value
    nomination.score = None if value is None else round(value, 2)
    return nomination.score


# ---------------------------------------------------------------- selection


@dataclass(frozen=True)
class Ranked:
    nomination: CaseNomination
    position: int
    reviews: int  #: submitted reviews
    assigned: int
    rule: str


def ranking(rnd: SelectionRound) -> dict[str, list[Ranked]]:
    """Per category: the nominations in the selection, best score first (unscored last; ties by ref)."""
    out: dict[str, list[Ranked]] = {c.value: [] for c in CaseCategory}
    nominations = [n for n in rnd.nominations if n.status in IN_SELECTION + (N.NOT_SELECTED,)]
    nominations.sort(key=lambda n: (n.score is None, -(n.score or 0), n.ref))
    for n in nominations:
        result = expert_result(n)
        group = out[n.category]
        group.append(
            Ranked(n, len(group) + 1, len(result.used) + len(result.dropped), len(n.reviews), result.rule)
        )
    return out


def selected_count(rnd: SelectionRound, category: str) -> int:
    return sum(1 for n in rnd.nominations if n.category == category and n.status == N.SELECTED)


def select_nomination(user, nomination: CaseNomination) -> None:
    """Select within the category's quota, in the review phase (audited with the administrator)."""
    _require_admin(user)
    rnd = nomination.round
    if rnd.status != RP.REVIEWING:
        raise Conflict(("status", "只能在专家评审阶段确定入选案例。"))
    quota = int(rnd.quotas.get(nomination.category, 0))

    def within_quota(n, _by):
        if selected_count(rnd, n.category) >= quota:
            return f"“{n.category_label}”类别的名额为 {quota} 项，已选满。"
        return None

    NOMINATION_WORKFLOW.apply(nomination, "select", by=user, guards=[within_quota])


def unselect_nomination(user, nomination: CaseNomination) -> None:
    _require_admin(user)
    if nomination.round.status != RP.REVIEWING:
        raise Conflict(("status", "结果公布后不能取消入选。"))
    NOMINATION_WORKFLOW.apply(nomination, "unselect", by=user)


# ---------------------------------------------------------------- the public showcase


@dataclass
class CaseFilters:
    year: int | None = None
    domain: str | None = None
    city: str | None = None
    category: str | None = None


def public_cases() -> Select:
    """Selected cases of published rounds, of public platforms."""
    return (
        select(CaseNomination)
        .join(SelectionRound, CaseNomination.round_id == SelectionRound.id)
        .join(Platform, CaseNomination.platform_id == Platform.id)
        .where(
            CaseNomination.status == N.SELECTED,
            SelectionRound.status == RP.PUBLISHED,
            Platform.is_public,
        )
    )


def _filtered(stmt: Select, f: CaseFilters, *, skip: str | None = None) -> Select:
    if f.year is not None and skip != "year":
        stmt = stmt.where(SelectionRound.year == f.year)
    if f.domain in vocab.DOMAINS and skip != "domain":
        stmt = stmt.where(Platform.domains.has(f.domain))
    if f.city in vocab.ALL_CITIES and skip != "city":
        stmt = stmt.where(Platform.city == f.city)
    if f.category in vocab.CASE_CATEGORIES and skip != "category":
        stmt = stmt.where(CaseNomination.category == f.category)
    return stmt


def filter_cases(f: CaseFilters) -> Select:
    return (
        _filtered(public_cases(), f)
        .options(selectinload(CaseNomination.attachments), selectinload(CaseNomination.platform))
        .order_by(
            SelectionRound.year.desc(),
            CaseNomination.category,
            CaseNomination.score.desc(),
            CaseNomination.id,
        )
    )


def case_counts(f: CaseFilters) -> dict[str, dict]:
    """How many cases each year and each category has, the other filters applied (the facets)."""
    base = _filtered(public_cases(), f, skip="category")
    categories = dict(
        db.session.execute(
            base.with_only_columns(CaseNomination.category, func.count()).group_by(CaseNomination.category)
        ).all()
    )
    years_base = _filtered(public_cases(), f, skip="year")
    years = dict(
        db.session.execute(
            years_base.with_only_columns(SelectionRound.year, func.count())
            .group_by(SelectionRound.year)
            .order_by(SelectionRound.year.desc())
        ).all()
    )
    return {"category": {c: categories.get(c, 0) for c in vocab.CASE_CATEGORIES}, "year": years}


def get_public(nomination_id: int) -> CaseNomination | None:
    return load_visible(CaseNomination, nomination_id, is_public)


def get_public_by_ref(ref: str) -> CaseNomination | None:
    nomination = db.session.scalar(select(CaseNomination).where(CaseNomination.ref == ref))
    return nomination if nomination is not None and is_public(nomination) else None


def cases_of_platform(platform: Platform) -> list[CaseNomination]:
    """The platform's published selected cases, newest first (its public page)."""
    return list(
        db.session.scalars(
            public_cases()
            .where(CaseNomination.platform_id == platform.id)
            .order_by(SelectionRound.year.desc(), CaseNomination.id)
        )
    )


def evidence_offerings(nomination: CaseNomination) -> list:
    """The public offerings used in the evidence bookings, once each."""
    seen = {}
    for booking in nomination.evidence:
        offering = booking.offering
        if offering is not None and offering.is_public and offering.id not in seen:
            seen[offering.id] = offering
    return list(seen.values())


# ---------------------------------------------------------------- files

#: Images are shown with the case (public once selected and published); other files are for the
#: platform, administrators and the assigned experts.
FILE_PURPOSES = {
    "image": Purpose(images_only=True),
    "file": Purpose(can_view=can_view_files),
}

register_owner(
    CaseNomination,
    can_view=can_view,
    can_manage=can_edit,
    url=lambda nomination: url_for("cases.nomination", nomination_id=nomination.id),
    purposes=FILE_PURPOSES,
)
