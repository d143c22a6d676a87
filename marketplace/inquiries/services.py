"""Inquiry and proposal use cases: a firm asks a platform (optionally about one of its demands, whose
confidential part opens at once or after the platform's 保密承诺), the platform answers; a platform
proposes on an open demand or quotes on an accepted inquiry, the firm accepts one (an order with
frozen price and terms) or declines with a reason, the platform withdraws, validity expires.
Permissions are checked here; views and jobs call these functions, the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import select

from .. import signals, vocab
from ..accounts.models import User
from ..attachments.services import register_owner
from ..bookings import services as bookings
from ..core.errors import Conflict, DomainError, Forbidden, load_visible
from ..core.models import AuditLog, utcnow, with_related
from ..core.numbers import check_numbers
from ..core.timeutil import format_date, local_today
from ..core.urls import external_url
from ..demands import services as demands
from ..demands.models import Demand, DemandContact
from ..extensions import db
from ..messaging.services import register_thread
from ..offerings.models import Offering
from ..platforms import parties
from ..platforms import services as platform_services
from ..platforms.models import Platform
from ..platforms.parties import (
    dealt_with_by,
    is_firm_party,
    is_party,
    is_platform_party,
    side_actions,
)
from ..platforms.services import operators_of
from .models import (
    INQUIRY_FIRM_ACTIONS,
    INQUIRY_PLATFORM_ACTIONS,
    INQUIRY_WORKFLOW,
    NUMBERS,
    PROPOSAL_FIRM_ACTIONS,
    PROPOSAL_PLATFORM_ACTIONS,
    PROPOSAL_WORKFLOW,
    Inquiry,
    InquiryStatus,
    Proposal,
    ProposalStatus,
)

SUBJECT_MAX = 200
BODY_MAX = 5000
TEXT_MAX = 10000
REASON_MAX = 2000
#: Inquiry actions that need a reason the other side reads (proposals: `decline`).
INQUIRY_REASON_REQUIRED = ("decline",)
#: States in which an inquiry or proposal is still in play (a second one to the same place is refused).
INQUIRY_LIVE = (InquiryStatus.OPEN, InquiryStatus.ACCEPTED)

# ---------------------------------------------------------------- who may do what


def _is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_admin)


def can_view(user, obj: Inquiry | Proposal) -> bool:
    """An inquiry or proposal is seen by its firm, its platform and administrators, nobody else."""
    return is_party(user, obj) or _is_admin(user)


def get_inquiry(user, inquiry_id: int) -> Inquiry | None:
    return load_visible(Inquiry, inquiry_id, lambda i: can_view(user, i))


def get_proposal(user, proposal_id: int) -> Proposal | None:
    return load_visible(Proposal, proposal_id, lambda p: can_view(user, p))


def get_by_ref(user, model: type[Inquiry] | type[Proposal], ref: str):
    """The inquiry or proposal with this ref if the user may see it; LookupError otherwise (the API
    answers 404 either way)."""
    obj = db.session.scalar(select(model).where(model.ref == ref))
    if obj is None or not can_view(user, obj):
        raise LookupError(ref)
    return obj


# ---------------------------------------------------------------- parties and notices


def _requester(obj: Inquiry | Proposal) -> User | None:
    """Who asked on the firm side: the inquiry's sender (a proposal has none)."""
    return obj.created_by if isinstance(obj, Inquiry) else None


def firm_users(obj: Inquiry | Proposal) -> list[User]:
    """The firm side: the inquiry's sender, or the firm's users when there is none (proposals)."""
    return parties.firm_users(obj, _requester(obj))


def _link(obj: Inquiry | Proposal) -> str:
    if isinstance(obj, Inquiry):
        return external_url("inquiries.inquiry", inquiry_id=obj.id)
    return external_url("inquiries.proposal", proposal_id=obj.id)


def _tell(obj: Inquiry | Proposal, users: list[User], message: str) -> None:
    signals.notice.send(obj, users=users, message=message, link=_link(obj))


def _tell_other_side(obj: Inquiry | Proposal, by, message: str) -> None:
    """Tell the side that did not act (both sides when the system acted)."""
    parties.tell_other_side(obj, by, message, requester=_requester(obj), link=lambda: _link(obj))


def _check_reason(reason: str | None, required: bool) -> str | None:
    reason = (reason or "").strip() or None
    if required and not reason:
        raise DomainError(("reason", "请填写原因，对方将看到该原因。"))
    if reason and len(reason) > REASON_MAX:
        raise DomainError(("reason", f"原因不能超过 {REASON_MAX} 个字符。"))
    return reason


# ---------------------------------------------------------------- inquiries


def inquirable_demands(user) -> list[Demand]:
    """The firm's open demands, which an inquiry may be about."""
    return list(
        db.session.scalars(
            select(Demand).where(Demand.org_id == user.org_id, Demand.is_open).order_by(Demand.id.desc())
        )
    )


def public_offerings(platform: Platform) -> list[Offering]:
    """The platform's offerings on show (what an inquiry or a proposal may name)."""
    return list(
        db.session.scalars(
            select(Offering)
            .where(Offering.platform_id == platform.id, Offering.is_public)
            .order_by(Offering.id)
        )
    )


def validate_inquiry(user, *, platform: Platform | None, offering: Offering | None, demand, subject, body):
    """Every reason to refuse this inquiry, at once (changes nothing)."""
    errors = []
    if platform is None or not platform.is_public:
        errors.append(("platform", "该平台当前不可咨询。"))
    if offering is not None and (
        not offering.is_public or platform is None or offering.platform_id != platform.id
    ):
        errors.append(("offering_id", "该资源当前不可咨询。"))
    subject = (subject or "").strip()
    if not subject:
        errors.append(("subject", "请填写咨询主题。"))
    elif len(subject) > SUBJECT_MAX:
        errors.append(("subject", f"主题不能超过 {SUBJECT_MAX} 个字符。"))
    if not (body or "").strip():
        errors.append(("body", "请填写咨询内容。"))
    elif len(body) > BODY_MAX:
        errors.append(("body", f"咨询内容不能超过 {BODY_MAX} 个字符。"))
    if demand is not None:
        if not demands.is_owner(user, demand):
            errors.append(("demand_id", "只能附上本企业的需求。"))
        elif not demand.is_open:
            errors.append(("demand_id", "只能附上征集中的需求。"))
        elif platform is not None and _live_inquiry(demand, platform) is not None:
            errors.append(("demand_id", "已就该需求向该平台发送过咨询，请在原咨询中继续沟通。"))
    if errors:
        raise DomainError(*errors)


def _live_inquiry(demand: Demand, platform: Platform) -> Inquiry | None:
    return db.session.scalar(
        select(Inquiry).where(
            Inquiry.demand_id == demand.id,
            Inquiry.platform_id == platform.id,
            Inquiry.status.in_(INQUIRY_LIVE),
        )
    )


def send_inquiry(
    user,
    *,
    platform: Platform,
    subject: str,
    body: str,
    offering: Offering | None = None,
    demand: Demand | None = None,
    requires_nda: bool = False,
) -> Inquiry:
    """A firm asks a platform. With a demand attached its confidential part opens to the platform
    now, or, when the firm requires the platform's 保密承诺, only once an operator accepts it."""
    if not (user and user.is_authenticated and user.is_firm):
        raise Forbidden()
    validate_inquiry(user, platform=platform, offering=offering, demand=demand, subject=subject, body=body)
    requires_nda = bool(requires_nda and demand is not None)
    inquiry = Inquiry(
        org_id=user.org_id,
        created_by=user,
        platform=platform,
        offering=offering,
        demand=demand,
        subject=subject.strip(),
        body=body.strip(),
        requires_nda=requires_nda,
    )
    INQUIRY_WORKFLOW.enter(inquiry, InquiryStatus.OPEN)
    db.session.add(inquiry)
    db.session.flush()
    INQUIRY_WORKFLOW.record_entry(inquiry, by=user)
    if demand is not None and not requires_nda:
        demands.open_confidential(demand, platform, by=user)
    note = f"，关于需求“{demand.title}”" if demand is not None else ""
    if requires_nda:
        note += "（要求贵平台先签署保密承诺）"
    _tell(
        inquiry,
        operators_of(platform),
        f"{firm_name(None, inquiry)} 向“{platform.name}”发送了咨询“{inquiry.subject}”{note}，请及时回复。",
    )
    return inquiry


def inquiry_actions(user, inquiry: Inquiry) -> list[str]:
    """The buttons this user sees: what the workflow allows now among what their side may do."""
    permitted = side_actions(user, inquiry, INQUIRY_FIRM_ACTIONS, INQUIRY_PLATFORM_ACTIONS)
    return INQUIRY_WORKFLOW.allowed_actions(inquiry.status, among=permitted)


def transition_inquiry(
    user, inquiry: Inquiry, action: str, reason: str | None = None, *, accept_nda: bool = False
) -> None:
    """Accept, decline (with a reason), withdraw or close; audited, the other side told. Accepting
    an inquiry that requires the 保密承诺 needs the operator to accept it too: recorded with time and
    user, and only then does the demand's confidential part open."""
    if action not in side_actions(user, inquiry, INQUIRY_FIRM_ACTIONS, INQUIRY_PLATFORM_ACTIONS):
        raise Forbidden()
    reason = _check_reason(reason, action in INQUIRY_REASON_REQUIRED)

    def undertaking(obj, _by):
        if action == "accept" and obj.requires_nda and not accept_nda:
            return ("accept_nda", "该企业要求先签署保密承诺：请阅读并勾选接受后再接受咨询。")
        return None

    INQUIRY_WORKFLOW.apply(inquiry, action, by=user, reason=reason, guards=[undertaking])
    now = utcnow()
    if action in ("accept", "decline") and inquiry.responded_at is None:
        inquiry.responded_at = now
    if action == "accept" and inquiry.demand is not None:
        if inquiry.requires_nda:
            inquiry.nda_accepted_at, inquiry.nda_accepted_by_id = now, user.id
        demands.open_confidential(inquiry.demand, inquiry.platform, by=user)
    label = INQUIRY_WORKFLOW.action_labels[action]
    side = inquiry.organization.name if is_firm_party(user, inquiry) else inquiry.platform.name
    message = f"{side} 对咨询“{inquiry.subject}”执行了“{label}”，当前状态：{inquiry.status_label}。"
    if action == "accept":
        message += "双方现在可以看到对方的联系人。"
    if reason:
        message += f"说明：{reason}"
    _tell_other_side(inquiry, user, message)


def is_disclosed(inquiry: Inquiry) -> bool:
    """Whether the attached demand's confidential part is open to the inquiry's platform."""
    if inquiry.demand_id is None:
        return False
    return (
        db.session.scalar(
            select(DemandContact.id).where(
                DemandContact.demand_id == inquiry.demand_id, DemandContact.platform_id == inquiry.platform_id
            )
        )
        is not None
    )


def firm_name(user, inquiry: Inquiry) -> str:
    """The firm as this user may see it: its organisation, or “某企业（匿名）” for an inquiry about an
    anonymous demand the platform cannot read yet (nor accepted). `user` None: as the platform sees it."""
    if user is not None and (is_firm_party(user, inquiry) or _is_admin(user)):
        return inquiry.organization.name
    demand = inquiry.demand
    if demand is not None and demand.is_anonymous and not inquiry.was_accepted and not is_disclosed(inquiry):
        return vocab.ANONYMOUS_FIRM
    return inquiry.organization.name


@dataclass(frozen=True)
class Person:
    """A contact person as the other side sees it."""

    name: str
    organisation: str
    email: str
    phone: str


def _person(user: User | None, organisation: str) -> Person | None:
    if user is None:
        return None
    return Person(user.name, organisation, user.email, user.phone or "")


def accepted_by(inquiry: Inquiry) -> User | None:
    """The operator who accepted the inquiry (from its audit record)."""
    actor_id = db.session.scalar(
        select(AuditLog.actor_id)
        .where(
            AuditLog.object_type == INQUIRY_WORKFLOW.object_type,
            AuditLog.object_id == inquiry.id,
            AuditLog.new_state == InquiryStatus.ACCEPTED,
        )
        .order_by(AuditLog.id)
        .limit(1)
    )
    return db.session.get(User, actor_id) if actor_id is not None else None


def contact_persons(user, inquiry: Inquiry) -> dict[str, Person | None] | None:
    """{'firm': …, 'platform': …} once the platform accepted the inquiry; None before (nobody's
    person is shown, only the firm's organisation to the platform)."""
    if not (inquiry.was_accepted and can_view(user, inquiry)):
        return None
    firm = inquiry.created_by or next(iter(firm_users(inquiry)), None)
    platform_side = f"{inquiry.platform.name}（{inquiry.platform.organization.name}）"
    return {
        "firm": _person(firm, inquiry.organization.name),
        "platform": _person(accepted_by(inquiry), platform_side),
    }


def history(obj: Inquiry | Proposal) -> list[dict]:
    """The audited state changes, oldest first: when, the new state's label, which side acted
    (企业 / 平台 / 系统, never a person's name) and the reason."""
    workflow = INQUIRY_WORKFLOW if isinstance(obj, Inquiry) else PROPOSAL_WORKFLOW
    rows = []
    for entry in workflow.history(obj):
        actor = db.session.get(User, entry.actor_id) if entry.actor_id is not None else None
        if actor is None:
            side = "系统"
        elif actor.org_id == obj.org_id:
            side = "企业"
        elif actor.is_admin:
            side = "管理员"
        else:
            side = "平台"
        rows.append(
            {"at": entry.at, "state": workflow.label(entry.new_state), "side": side, "reason": entry.reason}
        )
    return rows


# ---------------------------------------------------------------- proposals and quotes


def proposing_platforms(user) -> list[Platform]:
    """The approved platforms this operator may propose from."""
    if not (user and user.is_authenticated and user.is_operator):
        return []
    return [p for p in platform_services.platforms_of(user) if p.is_public]


def validate_proposal(data: dict) -> None:
    """Check a proposal's fields (changes nothing): title, scope, deliverables, price (None: 面议),
    lead time and a validity date from today on."""
    errors = []
    title = (data.get("title") or "").strip()
    if not title:
        errors.append(("title", "请填写方案标题。"))
    elif len(title) > SUBJECT_MAX:
        errors.append(("title", f"标题不能超过 {SUBJECT_MAX} 个字符。"))
    for field, label in (("scope", "方案内容与范围"), ("deliverables", "交付成果")):
        text = (data.get(field) or "").strip()
        if not text:
            errors.append((field, f"请填写{label}。"))
        elif len(text) > TEXT_MAX:
            errors.append((field, f"{label}不能超过 {TEXT_MAX} 个字符。"))
    errors += check_numbers(data, NUMBERS)
    valid_until = data.get("valid_until")
    if not isinstance(valid_until, date):
        errors.append(("valid_until", "请填写报价有效期。"))
    elif valid_until < local_today():
        errors.append(("valid_until", "有效期不能早于今天。"))
    if errors:
        raise DomainError(*errors)


def _offering_of(platform: Platform, offering_id) -> Offering | None:
    if not offering_id:
        return None
    offering = db.session.get(Offering, offering_id)
    if offering is None or offering.platform_id != platform.id:
        raise DomainError(("offering_id", "只能选择本平台的资源。"))
    return offering


def _submitted_for(platform: Platform, *, demand: Demand | None, inquiry: Inquiry | None) -> Proposal | None:
    """The platform's proposal still waiting for the firm on this demand (or, without one, this inquiry)."""
    query = select(Proposal).where(
        Proposal.platform_id == platform.id, Proposal.status == ProposalStatus.SUBMITTED
    )
    if demand is not None:
        query = query.where(Proposal.demand_id == demand.id)
    else:
        query = query.where(Proposal.inquiry_id == inquiry.id)
    return db.session.scalar(query.limit(1))


def _create_proposal(user, platform: Platform, *, org_id: int, demand, inquiry, data: dict) -> Proposal:
    validate_proposal(data)
    offering = _offering_of(platform, data.get("offering_id"))
    if _submitted_for(platform, demand=demand, inquiry=inquiry) is not None:
        raise Conflict(("title", "贵平台已有一份待企业答复的方案；如需修改，请先撤回原方案再重新提交。"))
    proposal = Proposal(
        platform=platform,
        created_by=user,
        org_id=org_id,
        demand=demand,
        inquiry=inquiry,
        offering=offering,
        title=data["title"].strip(),
        scope=data["scope"].strip(),
        deliverables=data["deliverables"].strip(),
        price_amount=data.get("price_amount"),
        lead_time_days=data.get("lead_time_days"),
        valid_until=data["valid_until"],
    )
    PROPOSAL_WORKFLOW.enter(proposal, ProposalStatus.SUBMITTED)
    db.session.add(proposal)
    db.session.flush()
    PROPOSAL_WORKFLOW.record_entry(proposal, by=user)
    kind = "报价" if inquiry is not None else "方案"
    about = f"需求“{demand.title}”" if demand is not None else f"咨询“{inquiry.subject}”"
    _tell(
        proposal,
        firm_users(proposal),
        f"“{platform.name}”就{about}提交了{kind}“{proposal.title}”（{proposal.price_text}），"
        f"有效期至 {format_date(proposal.valid_until)}。",
    )
    return proposal


def submit_proposal(user, platform: Platform, demand: Demand, data: dict) -> Proposal:
    """An operator of an approved platform answers an open demand on its own initiative. One proposal
    per platform and demand waits for the firm at a time: to change it, withdraw it and submit anew."""
    if not platform_services.can_manage(user, platform):
        raise Forbidden()
    if not platform.is_public:
        raise DomainError(("platform_id", "平台通过审核后才能提交方案。"))
    if not demand.is_open:
        raise Conflict(("title", "该需求已不在征集中，不能再提交方案。"))
    return _create_proposal(user, platform, org_id=demand.org_id, demand=demand, inquiry=None, data=data)


def submit_quote(user, inquiry: Inquiry, data: dict) -> Proposal:
    """The platform quotes on an inquiry it accepted (a proposal with inquiry_id)."""
    if not is_platform_party(user, inquiry):
        raise Forbidden()
    if not inquiry.is_accepted:
        raise Conflict(("title", "接受咨询后才能报价。"))
    if not data.get("offering_id"):
        data = {**data, "offering_id": inquiry.offering_id}
    return _create_proposal(
        user, inquiry.platform, org_id=inquiry.org_id, demand=inquiry.demand, inquiry=inquiry, data=data
    )


def quotes_of(inquiry: Inquiry) -> list[Proposal]:
    return list(
        db.session.scalars(select(Proposal).where(Proposal.inquiry_id == inquiry.id).order_by(Proposal.id))
    )


def proposal_actions(user, proposal: Proposal) -> list[str]:
    permitted = side_actions(user, proposal, PROPOSAL_FIRM_ACTIONS, PROPOSAL_PLATFORM_ACTIONS)
    return PROPOSAL_WORKFLOW.allowed_actions(proposal.status, among=permitted)


def frozen_terms(proposal: Proposal) -> str:
    """The terms an order keeps from its proposal at acceptance (later changes do not reach it)."""
    lines = [
        f"方案：{proposal.title}（{proposal.ref}）",
        f"方案内容与范围：{proposal.scope}",
        f"交付成果：{proposal.deliverables}",
    ]
    if proposal.lead_time_days is not None:
        lines.append(f"周期：{proposal.lead_time_days} 天")
    lines.append(f"报价：{proposal.price_text}")
    return "\n".join(lines)


def _still_valid(proposal: Proposal, _by):
    if proposal.valid_until is not None and proposal.valid_until < local_today():
        # not allowed any more, like a state that forbids it (the API answers 409)
        raise Conflict(("status", "该方案已过报价有效期，请与平台沟通后由平台重新提交。"))
    return None


def transition_proposal(user, proposal: Proposal, action: str, reason: str | None = None):
    """The firm accepts (→ an order, price and terms frozen now; returned) or declines with a
    reason; the platform withdraws. Audited, the other side told."""
    if action not in side_actions(user, proposal, PROPOSAL_FIRM_ACTIONS, PROPOSAL_PLATFORM_ACTIONS):
        raise Forbidden()
    reason = _check_reason(reason, action == "decline")
    guards = [_still_valid] if action == "accept" else []
    PROPOSAL_WORKFLOW.apply(proposal, action, by=user, reason=reason, guards=guards)
    if action == "decline":
        proposal.decline_reason = reason
    if action == "accept":
        return bookings.create_order(
            user,
            platform=proposal.platform,
            org_id=proposal.org_id,
            title=proposal.title,
            price_amount=proposal.price_amount,
            terms=frozen_terms(proposal),
            demand_id=proposal.demand_id,
            proposal=proposal,
            offering=proposal.offering,
        )
    label = PROPOSAL_WORKFLOW.action_labels[action]
    side = proposal.organization.name if is_firm_party(user, proposal) else proposal.platform.name
    message = f"{side} 对方案“{proposal.title}”执行了“{label}”，当前状态：{proposal.status_label}。"
    if reason:
        message += f"原因：{reason}"
    _tell_other_side(proposal, user, message)
    return None


def others_waiting(proposal: Proposal) -> list[Proposal]:
    """The other proposals on the same demand still waiting for the firm."""
    if proposal.demand_id is None:
        return []
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.demand_id == proposal.demand_id,
                Proposal.id != proposal.id,
                Proposal.status == ProposalStatus.SUBMITTED,
            )
            .order_by(Proposal.id)
        )
    )


def accept_and_decline_others(user, proposal: Proposal, reason: str):
    """Accept this proposal and decline every other one waiting on the same demand with one reason
    (one audited transition each). Returns the order."""
    others = others_waiting(proposal)
    if others:
        _check_reason(reason, True)
    order = transition_proposal(user, proposal, "accept")
    for other in others:
        transition_proposal(user, other, "decline", reason)
    return order


#: A demand leaving the open state this way declines the proposals still waiting on it, with this reason.
DEMAND_CLOSINGS = {"fulfil": "需求已标记为对接完成", "withdraw": "需求已撤回", "expire": "需求已过截止日期"}


def _on_state_changed(obj, *, workflow, action: str, by, **_) -> None:
    if workflow.object_type == "demand" and action in DEMAND_CLOSINGS:
        decline_waiting_proposals(obj, by, DEMAND_CLOSINGS[action])


def decline_waiting_proposals(demand: Demand, by, reason: str) -> int:
    """A demand that closes (fulfilled, withdrawn, expired) declines every proposal still waiting on it,
    with the reason, each platform told: none stays open on a need that is gone. Audited like the firm's
    own declines (by the firm, or by the system when the deadline passed)."""
    waiting = db.session.scalars(
        select(Proposal).where(Proposal.demand_id == demand.id, Proposal.status == ProposalStatus.SUBMITTED)
    ).all()
    for proposal in waiting:
        PROPOSAL_WORKFLOW.apply(proposal, "decline", by=by, reason=reason)
        proposal.decline_reason = reason
        _tell_other_side(proposal, by, f"{reason}，方案“{proposal.title}”不再等待答复。")
    return len(waiting)


def order_of(proposal: Proposal):
    """The order an accepted proposal became (bookings.models.Booking), or None."""
    from ..bookings.models import Booking

    return db.session.scalar(select(Booking).where(Booking.proposal_id == proposal.id).limit(1))


def expire_proposals(today: date | None = None) -> int:
    """Proposals still waiting after their validity date expire (a job); both sides are told."""
    today = today or local_today()
    stale = db.session.scalars(
        select(Proposal).where(Proposal.status == ProposalStatus.SUBMITTED, Proposal.valid_until < today)
    ).all()
    for proposal in stale:
        PROPOSAL_WORKFLOW.apply(proposal, "expire", by=None, reason="超过报价有效期")
        _tell_other_side(proposal, None, f"方案“{proposal.title}”已过报价有效期，自动失效。")
    return len(stale)


# ---------------------------------------------------------------- lists


def inquiries_for(user, *, status: str | None = None):
    """A SELECT of the inquiries this user deals with: a firm's sent ones, an operator's platforms'
    received ones, everything for administrators; newest first; optionally in one state."""
    query = select(Inquiry)
    if status:
        query = query.where(Inquiry.status == status)
    return dealt_with_by(query, Inquiry, user).order_by(Inquiry.created_at.desc(), Inquiry.id.desc())


def proposals_for(user, *, status: str | None = None, demand_ref: str | None = None):
    """A SELECT of the proposals and quotes a firm received or an operator's platforms sent (all for
    administrators), newest first; optionally in one state, or on the demand with this ref."""
    query = select(Proposal)
    if status:
        query = query.where(Proposal.status == status)
    if demand_ref:
        query = query.where(Proposal.demand.has(Demand.ref == demand_ref))
    return dealt_with_by(query, Proposal, user).order_by(Proposal.created_at.desc(), Proposal.id.desc())


def about_demand(demand: Demand) -> tuple[list[Inquiry], list[Proposal]]:
    """Every inquiry and proposal about a demand, newest first (its firm's demand page)."""
    inquiries = db.session.scalars(
        select(Inquiry)
        .where(Inquiry.demand_id == demand.id)
        .options(*with_related(Inquiry.platform))
        .order_by(Inquiry.id.desc())
    ).all()
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.demand_id == demand.id)
        .options(*with_related(Proposal.platform))
        .order_by(Proposal.id.desc())
    ).all()
    return list(inquiries), list(proposals)


def own_proposals_on(user, demand: Demand) -> list[Proposal]:
    """The proposals this operator's platforms made on a demand (shown on the demand page)."""
    if not (user and user.is_authenticated and user.is_operator):
        return []
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.demand_id == demand.id, Proposal.platform.has(Platform.org_id == user.org_id))
            .order_by(Proposal.id.desc())
        )
    )


def comparison(user, demand: Demand) -> list[dict]:
    """The firm's side-by-side view of the proposals on its demand: each with its platform's rating,
    waiting ones first, then by price (面议 last)."""
    if not demands.is_owner(user, demand):
        raise Forbidden()
    proposals = db.session.scalars(select(Proposal).where(Proposal.demand_id == demand.id)).all()
    rows = [{"proposal": p, "rating": bookings.rating_summary(platform_id=p.platform_id)} for p in proposals]
    rows.sort(
        key=lambda r: (
            not r["proposal"].is_submitted,
            r["proposal"].price_amount is None,
            r["proposal"].price_amount or 0,
            r["proposal"].id,
        )
    )
    return rows


# Files of a proposal (drawings, price lists) are the platform's, added while the firm has not
# answered; after that they are part of what was agreed or declined and no longer change.
register_owner(
    Proposal,
    can_view=can_view,
    can_manage=lambda user, p: is_platform_party(user, p) and p.is_submitted,
    url=lambda p: url_for("inquiries.proposal", proposal_id=p.id),
)


# One message thread per inquiry and per proposal (“asks questions” on a proposal is its thread).
register_thread(
    Inquiry,
    "inquiry",
    url=lambda i: url_for("inquiries.inquiry", inquiry_id=i.id),
    title=lambda i: i.subject,
    **parties.thread_rules(Inquiry, firm_users),
)
register_thread(
    Proposal,
    "proposal",
    url=lambda p: url_for("inquiries.proposal", proposal_id=p.id),
    title=lambda p: p.title,
    **parties.thread_rules(Proposal, firm_users),
)
