"""Demand use cases: post, edit, publish, close, reopen, contact platforms, read confidential parts."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import or_, select

from .. import vocab
from ..core.errors import DomainError, Forbidden, load_permitted, load_visible
from ..core.models import utcnow
from ..core.state import TransitionError
from ..core.timeutil import local_today
from ..core.uploads import store_upload
from ..extensions import db
from ..platforms.models import Platform
from .models import DEMAND_ACTIONS, DEMAND_WORKFLOW, Demand, DemandAttachment, DemandContact

EDITABLE_FIELDS = ("title", "description", "domains", "kinds", "trl", "budget_max", "window_start", "window_end",
                   "deadline", "city_preference", "confidential_detail")


def is_owner(user, demand: Demand) -> bool:
    return bool(user and user.is_authenticated and user.role == "firm" and user.org_id == demand.org_id)


def can_view(user, demand: Demand) -> bool:
    """The public summary: open demands for everyone; others for the owner and administrators."""
    if demand.is_open:
        return True
    return bool(user and user.is_authenticated and (user.is_admin or is_owner(user, demand)))


def can_read_confidential(user, demand: Demand) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.is_admin or is_owner(user, demand):
        return True
    if user.role != "operator":
        return False
    return db.session.scalar(
        select(DemandContact.id).join(Platform, Platform.id == DemandContact.platform_id)
        .where(DemandContact.demand_id == demand.id, Platform.org_id == user.org_id)
    ) is not None


def get_visible(user, demand_id: int) -> Demand | None:
    return load_visible(Demand, demand_id, lambda d: can_view(user, d))


def get_owned(user, demand_id: int) -> Demand:
    return load_permitted(Demand, demand_id, lambda d: is_owner(user, d))


def get_by_ref(ref: str) -> Demand | None:
    return db.session.scalar(select(Demand).where(Demand.ref == ref))


def demands_of(user) -> list[Demand]:
    return list(db.session.scalars(select(Demand).where(Demand.org_id == user.org_id).order_by(Demand.id.desc())))


def validate(data: dict) -> None:
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
    trl = data.get("trl")
    if trl is not None and not 1 <= trl <= 9:
        errors.append(("trl", "技术成熟度应在 1 到 9 之间。"))
    budget = data.get("budget_max")
    if budget is not None and budget < 0:
        errors.append(("budget_max", "预算不能为负数。"))
    start, end = data.get("window_start"), data.get("window_end")
    if start and end and end < start:
        errors.append(("window_end", "结束日期不能早于开始日期。"))
    if any(c not in vocab.ALL_CITIES for c in data.get("city_preference") or []):
        errors.append(("city_preference", "城市无效。"))
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
    if user.role != "firm":
        raise Forbidden()
    validate(data)
    demand = Demand(org_id=user.org_id, created_by_id=user.id, status="draft")
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
    """Publish, fulfil, withdraw or reopen (owner), with the audit record."""
    if action not in DEMAND_ACTIONS or not (is_owner(user, demand) or (user.is_admin and action == "withdraw")):
        raise Forbidden()
    if action in ("publish", "reopen") and demand.deadline and demand.deadline < local_today():
        raise DomainError(("deadline", "截止日期已过，请先修改截止日期。"))
    try:
        DEMAND_WORKFLOW.apply(demand, action, by=user, reason=reason)
    except TransitionError as exc:
        raise DomainError((exc.field, exc.message)) from exc
    if action in ("publish", "reopen"):
        demand.published_at = utcnow()


def expire_overdue(today: date | None = None) -> int:
    """Move open demands whose deadline passed (local date) to 'expired' (cron: `flask demands expire`)."""
    today = today or local_today()
    overdue = db.session.scalars(select(Demand).where(Demand.status == "open", Demand.deadline < today)).all()
    for demand in overdue:
        DEMAND_WORKFLOW.apply(demand, "expire", by=None, reason="超过截止日期")
    return len(overdue)


def contact_platform(user, demand: Demand, platform: Platform) -> DemandContact:
    """The firm opens its confidential part to one platform, whose operators are notified."""
    from ..accounts.models import User
    from ..notifications.services import notify

    if not is_owner(user, demand):
        raise Forbidden()
    if platform.status != "approved":
        raise DomainError(("platform", "该平台当前不可联系。"))
    existing = db.session.scalar(select(DemandContact).where(
        DemandContact.demand_id == demand.id, DemandContact.platform_id == platform.id))
    if existing:
        return existing
    contact = DemandContact(demand=demand, platform=platform)
    db.session.add(contact)
    link = url_for("demands.detail", demand_id=demand.id, _external=True)
    for operator in db.session.scalars(select(User).where(User.org_id == platform.org_id, User.role == "operator")):
        notify(operator, f"{demand.organization.name} 就需求“{demand.title}”联系了您的平台“{platform.name}”。", link)
    db.session.flush()
    return contact


def public_open() -> object:
    """Open, unexpired demands, newest first (a SELECT the catalogue paginates)."""
    return (select(Demand)
            .where(Demand.status == "open", or_(Demand.deadline.is_(None), Demand.deadline >= local_today()))
            .order_by(Demand.published_at.desc(), Demand.id.desc()))


def add_attachment(user, demand: Demand, filename: str, data: bytes) -> DemandAttachment:
    if not is_owner(user, demand):
        raise Forbidden()
    attachment = DemandAttachment(demand=demand, **store_upload(filename, data))
    db.session.add(attachment)
    db.session.flush()
    return attachment


def get_attachment(user, attachment_id: int) -> DemandAttachment | None:
    attachment = db.session.get(DemandAttachment, attachment_id)
    if attachment is None or not can_read_confidential(user, attachment.demand):
        return None
    return attachment
