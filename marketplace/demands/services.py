"""Demand use cases: post, edit, publish, close, reopen, contact platforms, read confidential parts,
judge the matches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from .. import signals, vocab
from ..accounts.models import Role, User
from ..attachments.services import register_owner
from ..core.errors import DomainError, Forbidden, load_permitted, load_visible
from ..core.models import AuditLog, utcnow
from ..core.numbers import check_numbers
from ..core.pagination import Page, paginate
from ..core.timeutil import local_today
from ..extensions import db
from ..matching import analysis
from ..matching import services as matching
from ..offerings.models import Offering
from ..platforms.models import Platform
from .models import (
    DEMAND_WORKFLOW,
    MODERATION_ACTIONS,
    NUMBERS,
    OWNER_ACTIONS,
    Demand,
    DemandContact,
    DemandStatus,
    MatchFeedback,
)

EDITABLE_FIELDS = (
    "title",
    "description",
    "domains",
    "kinds",
    "trl",
    "budget_max",
    "window_start",
    "window_end",
    "deadline",
    "city_preference",
    "confidential_detail",
    "is_anonymous",
)


def is_owner(user, demand: Demand) -> bool:
    return bool(user and user.is_authenticated and user.is_firm and user.org_id == demand.org_id)


def can_view(user, demand: Demand) -> bool:
    """The public summary: open demands for everyone; others for the owner and administrators."""
    if demand.is_open:
        return True
    return bool(user and user.is_authenticated and (user.is_admin or is_owner(user, demand)))


def can_read_confidential(user, demand: Demand) -> bool:
    """The confidential part (text and files): the owner and administrators, and platforms the firm
    contacted, but only on a demand this user may see at all; once a demand closes, a contacted
    platform loses its page and its files together."""
    if not (user and user.is_authenticated and can_view(user, demand)):
        return False
    if user.is_admin or is_owner(user, demand):
        return True
    if not user.is_operator:
        return False
    return (
        db.session.scalar(
            select(DemandContact.id)
            .join(Platform, Platform.id == DemandContact.platform_id)
            .where(DemandContact.demand_id == demand.id, Platform.org_id == user.org_id)
        )
        is not None
    )


def publisher_name(user, demand: Demand) -> str:
    """The firm's name for this reader: an anonymous demand names its firm only to those who may read
    its confidential part (the firm, the platforms it contacted, administrators)."""
    if demand.is_anonymous and not can_read_confidential(user, demand):
        return vocab.ANONYMOUS_FIRM
    return demand.organization.name


def get_visible(user, demand_id: int) -> Demand | None:
    return load_visible(Demand, demand_id, lambda d: can_view(user, d))


def get_owned(user, demand_id: int) -> Demand:
    return load_permitted(Demand, demand_id, lambda d: is_owner(user, d))


def get_by_ref(ref: str) -> Demand | None:
    return db.session.scalar(select(Demand).where(Demand.ref == ref))


def demands_of(user) -> list[Demand]:
    return list(
        db.session.scalars(select(Demand).where(Demand.org_id == user.org_id).order_by(Demand.id.desc()))
    )


def validate(data: dict, *, opening: bool = False) -> None:
    """Check a complete demand record; `opening`: it is about to be published, so its deadline
    (by default the end of its window) must still be ahead."""
    errors = []
    title = (data.get("title") or "").strip()
    if not title:
        errors.append(("title", "请填写需求标题。"))
    elif len(title) > 200:
        errors.append(("title", "标题不能超过 200 个字符。"))
    if not data.get("domains") or any(d not in vocab.DOMAINS for d in data["domains"]):
        errors.append(("domains", "请至少选择一个有效的领域。"))
    if any(k not in vocab.OFFERING_KINDS for k in data.get("kinds") or []):
        errors.append(("kinds", "所需资源类型无效。"))
    errors += check_numbers(data, NUMBERS)
    start, end = data.get("window_start"), data.get("window_end")
    if start and end and end < start:
        errors.append(("window_end", "结束日期不能早于开始日期。"))
    deadline = data.get("deadline")
    if deadline and end and deadline > end:
        errors.append(("deadline", "征集截止日期不能晚于期望完成日期。"))
    if any(c not in vocab.ALL_CITIES for c in data.get("city_preference") or []):
        errors.append(("city_preference", "城市无效。"))
    if opening:
        refusal = _deadline_passed(data.get("deadline") or end)
        if refusal:
            errors.append(refusal)
    if errors:
        raise DomainError(*errors)


def _assign(demand: Demand, data: dict) -> None:
    for field in EDITABLE_FIELDS:
        if field in data:
            value = data[field]
            setattr(demand, field, value.strip() if isinstance(value, str) else value)
    if demand.deadline is None:
        demand.deadline = demand.window_end


def create_demand(user, data: dict, *, publish: bool = False) -> Demand:
    if user.role != Role.FIRM:
        raise Forbidden()
    validate(data, opening=publish)
    demand = Demand(org_id=user.org_id, created_by_id=user.id, status=DemandStatus.DRAFT)
    _assign(demand, data)
    db.session.add(demand)
    db.session.flush()
    if publish:
        transition(user, demand, "publish")
    return demand


def update_demand(user, demand: Demand, data: dict) -> Demand:
    if not is_owner(user, demand):
        raise Forbidden()
    validate({**{f: getattr(demand, f) for f in EDITABLE_FIELDS}, **data})
    _assign(demand, data)
    return demand


def transition(user, demand: Demand, action: str, reason: str | None = None) -> None:
    """Publish, fulfil, withdraw or reopen (owner; administrators may withdraw), with the audit record."""
    if action not in OWNER_ACTIONS or not (
        is_owner(user, demand) or (user.is_admin and action == "withdraw")
    ):
        raise Forbidden()
    opening = action in ("publish", "reopen")
    DEMAND_WORKFLOW.apply(demand, action, by=user, reason=reason, guards=[_deadline_ahead] if opening else [])
    if opening:
        demand.published_at = utcnow()


@dataclass(frozen=True)
class DraftNeed:
    """A need being written, matched as if posted, with no domain or kind chosen yet."""

    title: str
    description: str
    domains: tuple = ()
    kinds: tuple = ()
    budget_max: float | None = None
    city_preference: tuple = ()
    id: int = 0
    updated_at: None = None


SUGGEST_FROM = 10  #: matches whose domains and kinds vote
SUGGEST_SHARE = 0.3  #: a label is suggested with at least this share of the best label's votes


def suggest(title: str, description: str) -> dict:
    """What the form suggests for a need being written: the domains and kinds of offering of its best
    matches (each match votes with its score; at most two of each), and the scale and certifications
    the analyzer reads in the text. The firm confirms or changes them."""
    text = f"{title} {description}".strip()
    if len(text) < 4:
        return {"domains": [], "kinds": [], "volumes": [], "masses": [], "certifications": []}
    matches = matching.match_demand(DraftNeed(title[:200], description[:10000]), limit=SUGGEST_FROM)

    def vote(field: str, labels) -> list[str]:
        votes: Counter = Counter()
        for m in matches:
            for label in filter(None, (m.fields.get(field) or "").split(",")):
                votes[label] += m.score
        best = max(votes.values(), default=0)
        ranked = [label for label, v in votes.most_common() if v >= SUGGEST_SHARE * best and label in labels]
        return ranked[:2]

    shown = {analysis.normalise(c).replace(" ", ""): c for c in vocab.CERTIFICATIONS}  # gmp → GMP
    return {
        "domains": vote("domain", vocab.DOMAINS),
        "kinds": vote("kind", vocab.OFFERING_KINDS),
        "volumes": [f"{v:g} L" for v in analysis.volumes_litres(text)][:3],
        "masses": [f"{m:g} 吨" for m in analysis.masses_tonnes(text)][:3],
        "certifications": [shown[c] for c in sorted(analysis.certifications(text)) if c in shown][:5],
    }


REASON_MAX = 500
#: What the firm reads when an administrator hides or restores its demand.
MODERATION_MESSAGES = {
    "hide": "您的需求“{title}”因不符合平台规则，已被管理员隐藏：{reason}。如需申诉，请联系平台管理员。",
    "restore": "您的需求“{title}”已由管理员恢复展示。{reason}",
}


def moderate(user, demand: Demand, action: str, reason: str) -> None:
    """An administrator hides an open demand that breaks the rules (a reason is required: the firm reads
    it) or restores a hidden one; audited by the workflow, the firm's users told."""
    if not user.is_admin:
        raise Forbidden()
    if action not in MODERATION_ACTIONS:
        raise LookupError(action)
    reason = (reason or "").strip()
    if action == "hide" and not reason:
        raise DomainError(("reason", "请填写隐藏原因：企业会看到这段话。"))
    if len(reason) > REASON_MAX:
        raise DomainError(("reason", f"原因不能超过 {REASON_MAX} 个字符。"))
    guards = [_deadline_ahead] if action == "restore" else []
    DEMAND_WORKFLOW.apply(demand, action, by=user, reason=reason or None, guards=guards)
    firm = db.session.scalars(
        select(User).where(User.org_id == demand.org_id, User.role == Role.FIRM, User.is_enabled.is_(True))
    )
    message = MODERATION_MESSAGES[action].format(title=demand.title, reason=reason.rstrip("。")).rstrip()
    signals.notice.send(
        "demands",
        users=list(firm),
        message=message,
        link=url_for("demands.detail", demand_id=demand.id, _external=True),
        category="review",
    )


def hidden_reason(user, demand: Demand) -> str | None:
    """Why an administrator hid this demand, for its firm and administrators (None: not hidden)."""
    if demand.status != DemandStatus.HIDDEN or not (is_owner(user, demand) or user.is_admin):
        return None
    return db.session.scalar(
        select(AuditLog.reason)
        .where(
            AuditLog.object_type == "demand", AuditLog.object_id == demand.id, AuditLog.new_state == "hidden"
        )
        .order_by(AuditLog.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class AdminFilters:
    """The administrators' list of demands: words of the title, a state, a domain."""

    q: str = ""
    status: str | None = None
    domain: str | None = None


def admin_demands(filters: AdminFilters):
    """Every demand but drafts, the last published first, filtered (a statement the page paginates)."""
    stmt = (
        select(Demand)
        .where(Demand.status != DemandStatus.DRAFT)
        .options(selectinload(Demand.organization))
        .order_by(Demand.published_at.desc(), Demand.id.desc())
    )
    if filters.q:
        stmt = stmt.where(Demand.title.contains(filters.q[:100], autoescape=True))
    if filters.status in vocab.DEMAND_STATUSES:
        stmt = stmt.where(Demand.status == filters.status)
    if filters.domain:
        stmt = stmt.where(Demand.domains.has(filters.domain[:40]))
    return stmt


def _deadline_passed(deadline: date | None) -> tuple[str, str] | None:
    if deadline and deadline < local_today():
        return ("deadline", "截止日期已过，请先修改截止日期。")
    return None


def _deadline_ahead(demand: Demand, _by):
    """Guard: a demand opens (publish, reopen) only with a deadline still ahead."""
    return _deadline_passed(demand.deadline)


def owner_actions(demand: Demand) -> list[str]:
    """The buttons the firm sees on its demand: what the workflow allows from the current state."""
    return DEMAND_WORKFLOW.allowed_actions(demand.status, among=OWNER_ACTIONS)


def expire_overdue(today: date | None = None) -> int:
    """Move open demands whose deadline has passed to 'expired' (cron: `flask demands expire`)."""
    today = today or local_today()
    overdue = db.session.scalars(
        select(Demand).where(Demand.status == DemandStatus.OPEN, Demand.deadline < today)
    ).all()
    for demand in overdue:
        DEMAND_WORKFLOW.apply(demand, "expire", by=None, reason="超过截止日期")
    return len(overdue)


def open_confidential(demand: Demand, platform: Platform, *, by) -> DemandContact:
    """Open the demand's confidential part (text and files) to `platform`, once; announced by
    `demand_contacted`. The caller (inquiries.services) has checked that this is the firm's wish: an
    inquiry it confirmed, or a platform's accepted confidentiality undertaking that the firm asked for."""
    existing = db.session.scalar(
        select(DemandContact).where(
            DemandContact.demand_id == demand.id, DemandContact.platform_id == platform.id
        )
    )
    if existing:
        return existing
    contact = DemandContact(demand=demand, platform=platform)
    db.session.add(contact)
    db.session.flush()
    signals.demand_contacted.send(demand, platform=platform, by=by)
    return contact


def public_open() -> object:
    """Open, unexpired demands, newest first (a SELECT the catalogue paginates), with their firms."""
    return (
        select(Demand)
        .where(Demand.is_open)
        .options(selectinload(Demand.organization))
        .order_by(Demand.published_at.desc(), Demand.id.desc())
    )


#: The demand hall's orders: without words (SQL), and with words (the search engine's order by relevance).
HALL_SORTS = {"newest": "最新发布", "deadline": "截止日期最近", "budget": "预算从高到低"}
HALL_SEARCH_SORTS = {"relevance": "相关度", "newest": "最新发布", "budget": "预算从高到低"}


@dataclass(frozen=True)
class HallFilters:
    """What the demand hall shows: words, a domain, a kind of offering needed, a preferred city, an order."""

    q: str = ""
    domain: str | None = None
    kind: str | None = None
    city: str | None = None
    sort: str = "newest"

    @property
    def sorts(self) -> dict[str, str]:
        return HALL_SEARCH_SORTS if self.q else HALL_SORTS


def hall_page(filters: HallFilters, page: int, per_page: int, remember=None) -> Page:
    """A page of the demand hall. With words, the search engine finds and orders the open demands by the
    search page's rule (their public summaries only); without, SQL filters and orders them."""
    if filters.q:
        found = matching.search(
            filters.q,
            doc_type="demand",
            filters={"domain": filters.domain, "kind": filters.kind, "city": filters.city},
            sort={"budget": "price_desc"}.get(filters.sort, filters.sort),
            page=page,
            per_page=per_page,
            clamp=True,
        )
        ids = [hit.obj_id for hit in found.items]
        rows = {d.id: d for d in db.session.scalars(public_open().where(Demand.id.in_(ids)))}
        return Page([rows[i] for i in ids if i in rows], found.total, found.page, found.per_page)
    stmt = public_open()
    for labels, value in ((Demand.domains, filters.domain), (Demand.kinds, filters.kind)):
        if value:
            stmt = stmt.where(labels.has(value[:40]))
    if filters.city:
        stmt = stmt.where(Demand.city_preference.has(filters.city[:40]))
    if filters.sort == "deadline":
        stmt = stmt.order_by(None).order_by(Demand.deadline.is_(None), Demand.deadline, Demand.id.desc())
    elif filters.sort == "budget":
        stmt = stmt.order_by(None).order_by(
            Demand.budget_max.is_(None), Demand.budget_max.desc(), Demand.id.desc()
        )
    return paginate(stmt, page, per_page, clamp=True, key=(*public_open_key(), filters), remember=remember)


def public_open_key() -> tuple:
    """What names the list `public_open()` selects now (the key of its cached total and pages): it
    changes with the day, as deadlines pass. Take it before the statement."""
    return ("demands", local_today())


# The firm attaches confidential files to its own demand; whoever may read the confidential part
# (which includes seeing the demand) reads them.
register_owner(
    Demand,
    can_view=can_read_confidential,
    can_manage=is_owner,
    url=lambda demand: url_for("demands.detail", demand_id=demand.id),
)


# --- feedback on matches -------------------------------------------------------------------------

#: The grade a "useful" judgement exports as (the judged sets grade 1-3: 3 the core of the need, 1 a
#: partial fit); "not useful" exports 0.
USEFUL_GRADE = 2
FEEDBACK_REASON_MAX = 200
REASON_TOO_LONG = f"原因不能超过 {FEEDBACK_REASON_MAX} 个字符。"


def judge_match(user, demand: Demand, offering_id: int, *, useful: bool, reason: str = "") -> MatchFeedback:
    """The firm marks an offering matched to its demand useful or not, with an optional reason; judging
    it again replaces the judgement. Its place and score in the demand's matches are kept with it."""
    if not is_owner(user, demand):
        raise Forbidden()
    reason = (reason or "").strip()
    if len(reason) > FEEDBACK_REASON_MAX:
        raise DomainError([("reason", REASON_TOO_LONG)])
    if db.session.scalar(select(Offering.id).where(Offering.id == offering_id, Offering.is_public)) is None:
        raise LookupError(offering_id)
    place = next(  # an offering folded under a match (`alike`) is at that match's place
        (
            (n, shown.score)
            for n, m in enumerate(matching.demand_matches(demand), 1)
            for shown in (m, *m.alike)
            if shown.obj_id == offering_id
        ),
        (None, None),
    )
    feedback = _judgement(demand, offering_id) or MatchFeedback(demand_id=demand.id, offering_id=offering_id)
    feedback.user_id, feedback.useful, feedback.reason = user.id, useful, reason
    feedback.position, feedback.score = place
    db.session.add(feedback)
    return feedback


def _judgement(demand: Demand, offering_id: int) -> MatchFeedback | None:
    return db.session.scalar(
        select(MatchFeedback).where(
            MatchFeedback.demand_id == demand.id, MatchFeedback.offering_id == offering_id
        )
    )


def withdraw_judgement(user, demand: Demand, offering_id: int) -> bool:
    """The firm takes its judgement of a matched offering back; False when there was none (already
    withdrawn, e.g. from another tab)."""
    if not is_owner(user, demand):
        raise Forbidden()
    feedback = _judgement(demand, offering_id)
    if feedback is not None:
        db.session.delete(feedback)
    return feedback is not None


def judgements_on(demand: Demand) -> dict[int, MatchFeedback]:
    """The firm's judgements of its demand's matches, by offering id."""
    rows = db.session.scalars(select(MatchFeedback).where(MatchFeedback.demand_id == demand.id))
    return {f.offering_id: f for f in rows}


def feedback_list(useful: bool | None = None):
    """Every judgement, newest first (administrators), optionally only the useful or the other ones."""
    stmt = (
        select(MatchFeedback)
        .options(selectinload(MatchFeedback.demand), selectinload(MatchFeedback.offering))
        .order_by(MatchFeedback.updated_at.desc(), MatchFeedback.id.desc())
    )
    return stmt if useful is None else stmt.where(MatchFeedback.useful.is_(useful))


def feedback_totals() -> dict[str, int]:
    """How many judgements say useful and not useful, and on how many demands."""
    useful, other, demands = db.session.execute(
        select(
            func.count().filter(MatchFeedback.useful.is_(True)),
            func.count().filter(MatchFeedback.useful.is_(False)),
            func.count(distinct(MatchFeedback.demand_id)),
        )
    ).one()
    return {"useful": useful, "not_useful": other, "demands": demands}


def feedback_qrels() -> dict[str, dict[str, int]]:
    """Every judgement as judged relevance in the judged sets' format (`dev_qrels.json`):
    {demand ref: {offering ref: grade}}, useful `USEFUL_GRADE`, not useful 0; demands and offerings in
    ref order."""
    rows = db.session.execute(
        select(Demand.ref, Offering.ref, MatchFeedback.useful)
        .join(Demand, Demand.id == MatchFeedback.demand_id)
        .join(Offering, Offering.id == MatchFeedback.offering_id)
        .order_by(Demand.ref, Offering.ref)
    )
    qrels: dict[str, dict[str, int]] = {}
    for demand_ref, offering_ref, useful in rows:
        qrels.setdefault(demand_ref, {})[offering_ref] = USEFUL_GRADE if useful else 0
    return qrels
