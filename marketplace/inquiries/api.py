"""Inquiry endpoints (`/inquiries`: a firm asks a platform, the platform answers) and proposal
endpoints (`/proposals`: a platform proposes on an open demand or quotes on an accepted inquiry, the
firm accepts one, which becomes an order, or declines it). Same services and rules as the pages:
401 without a token, 404 for other people's objects, 409 when the state does not allow the action,
422 naming the field."""

from __future__ import annotations

from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from ..api import Blueprint
from ..api.auth import token_user
from ..api.schemas import page_schema
from ..core.errors import DomainError
from ..core.pagination import paginate
from ..demands import services as demand_services
from ..extensions import db
from ..offerings.models import Offering
from ..platforms.models import Platform
from ..platforms.parties import refuse_other_sides_action
from . import services
from .models import (
    INQUIRY_FIRM_ACTIONS,
    INQUIRY_PLATFORM_ACTIONS,
    PROPOSAL_FIRM_ACTIONS,
    PROPOSAL_PLATFORM_ACTIONS,
    Inquiry,
    Proposal,
)
from .schemas import (
    InquiryCreate,
    InquiryFilterArgs,
    InquiryOut,
    InquiryTransitionIn,
    ProposalCreate,
    ProposalFilterArgs,
    ProposalOut,
    ProposalTransitionIn,
    inquiry_data,
    proposal_data,
)

#: The refusals the endpoints document (the error body names the field in `errors.json`).
REFUSALS = {
    401: "缺少或无效的 API 令牌",
    403: "只有企业账户可以发送咨询；只有平台运营方可以提交方案与报价",
    404: "不存在，或不是调用者的咨询/方案",
    409: "与当前状态冲突：当前状态不允许此操作、不是调用者一方的操作、方案已过有效期，或已有待答复的方案",
}
blp = Blueprint(
    "api_inquiries", __name__, url_prefix="/inquiries", description="企业向平台的咨询", refusals=REFUSALS
)
proposal_blp = Blueprint(
    "api_proposals", __name__, url_prefix="/proposals", description="平台的方案与报价", refusals=REFUSALS
)
#: The services' field names (those of the web forms) as the API's request fields name them.
INQUIRY_FIELDS = {"offering_id": "offering_ref", "demand_id": "demand_ref", "platform": "platform_id"}
PROPOSAL_FIELDS = {"offering_id": "offering_ref", "price_amount": "price"}


@contextmanager
def fields_named(names: dict[str, str]):
    """Re-raise the services' refusals with the request's field names (a Conflict stays a Conflict)."""
    try:
        yield
    except DomainError as exc:
        renamed = [(names.get(field, field), message) for field, message in exc.errors]
        raise type(exc)(*renamed) from None


def _inquiry_out(inquiry: Inquiry) -> dict:
    user = token_user()
    firm_side = services.is_firm_party(user, inquiry) or user.is_admin
    shows_demand = inquiry.demand is not None and (firm_side or services.is_disclosed(inquiry))
    return inquiry_data(
        inquiry,
        firm_name=services.firm_name(user, inquiry),
        demand_ref=inquiry.demand.ref if shows_demand else None,
        contacts=services.contact_persons(user, inquiry),
        quote_refs=[q.ref for q in services.quotes_of(inquiry)],
        actions=services.inquiry_actions(user, inquiry),
    )


def _proposal_out(proposal: Proposal) -> dict:
    order = services.order_of(proposal)
    return proposal_data(
        proposal,
        order_ref=order.ref if order is not None else None,
        actions=services.proposal_actions(token_user(), proposal),
    )


def _transition(model, ref: str, action: str, sides: tuple, what: str, perform):
    """An action on the caller's inquiry or proposal: 404 when it is not theirs, 409 when `action`
    is not their side's (`sides`: the firm's and the platform's actions), else `perform(user, obj)`,
    commit, and the object as it now is."""
    user = token_user()
    obj = services.get_by_ref(user, model, ref)
    refuse_other_sides_action(user, obj, action, *sides, what)
    perform(user, obj)
    db.session.commit()
    return obj


def _by_ref(model, field: str, ref: str | None):
    """The row of `model` named by a request field's ref, or a 422 naming that field."""
    row = db.session.scalar(select(model).where(model.ref == ref)) if ref else None
    if row is None:
        raise DomainError((field, "不存在或当前不可用。"))
    return row


# ---------------------------------------------------------------- inquiries


@blp.route("")
class InquiryList(MethodView):
    @blp.endpoint(refuses=(401,), schema=page_schema(InquiryOut, "InquiryPage"), query=InquiryFilterArgs)
    def get(self, args):
        """The caller's inquiries: a firm's sent ones, an operator's platforms' received ones, all for
        administrators; newest first, filtered by status."""
        query = services.inquiries_for(token_user(), status=args.get("status"))
        return paginate(query, args["page"], args["per_page"]).map(_inquiry_out)

    @blp.endpoint(
        refuses=(401, 403),
        status=201,
        schema=InquiryOut,
        body=InquiryCreate,
        description="企业账户向平台咨询某项资源或服务（offering_ref），或直接咨询平台（platform_id），"
        "可附本企业征集中的需求（demand_ref）。带 demand_ref 发送即确认开放该需求的保密信息"
        "（网页上的确认步骤）：未要求保密承诺时立即向该平台开放；requires_nda 为 true 时，"
        "待平台接受咨询并签署保密承诺后才开放。同一需求向同一平台只能有一个进行中的咨询。",
    )
    def post(self, payload):
        """Send an inquiry to a platform (firms)."""
        user = token_user()
        if not user.is_firm:
            abort(403, message="只有企业账户可以发送咨询。")
        offering = platform = demand = None
        if payload.get("offering_ref"):
            offering = _by_ref(Offering, "offering_ref", payload["offering_ref"])
            platform = offering.platform
        if payload.get("platform_id") is not None:
            named = db.session.get(Platform, payload["platform_id"])
            if named is None or (platform is not None and named.id != platform.id):
                raise DomainError(("platform_id", "平台不存在，或与 offering_ref 的资源不属于同一平台。"))
            platform = named
        if payload.get("demand_ref"):
            demand = demand_services.get_by_ref(payload["demand_ref"])
            if demand is None or not demand_services.can_view(user, demand):
                raise DomainError(("demand_ref", "需求不存在。"))
        with fields_named(INQUIRY_FIELDS):
            inquiry = services.send_inquiry(
                user,
                platform=platform,
                offering=offering,
                demand=demand,
                subject=payload["subject"],
                body=payload["body"],
                requires_nda=payload["requires_nda"],
            )
        db.session.commit()
        return _inquiry_out(inquiry)


@blp.route("/<ref>")
class InquiryItem(MethodView):
    @blp.endpoint(refuses=(401, 404), schema=InquiryOut)
    def get(self, ref: str):
        """One inquiry of the caller's (sent by its firm or received by its platforms)."""
        return _inquiry_out(services.get_by_ref(token_user(), Inquiry, ref))


@blp.route("/<ref>/transitions")
class InquiryTransition(MethodView):
    @blp.endpoint(
        refuses=(401, 404, 409),
        schema=InquiryOut,
        body=InquiryTransitionIn,
        description="企业可执行 withdraw（平台答复前）、close（接受后）；平台可执行 accept、decline"
        "（须填 reason）、close。企业要求保密承诺时，accept 须同时给出 accept_nda: true（记录签署时间与"
        "签署人，此后才开放需求的保密信息），否则返回 422。当前状态不允许、或不是调用者一方的操作返回 409。",
    )
    def post(self, payload, ref: str):
        """Answer or end an inquiry: accept, decline, withdraw, close."""
        action = payload["action"]
        inquiry = _transition(
            Inquiry,
            ref,
            action,
            (INQUIRY_FIRM_ACTIONS, INQUIRY_PLATFORM_ACTIONS),
            "咨询",
            lambda user, inquiry: services.transition_inquiry(
                user, inquiry, action, payload.get("reason"), accept_nda=payload["accept_nda"]
            ),
        )
        return _inquiry_out(inquiry)


# ---------------------------------------------------------------- proposals and quotes


def _proposing_platform(user, platform_id: int | None) -> Platform:
    """The platform an operator proposes from: the one named, or the organisation's only approved one."""
    platforms = services.proposing_platforms(user)
    if platform_id is not None:
        platform = next((p for p in platforms if p.id == platform_id), None)
        if platform is None:
            raise DomainError(("platform_id", "请选择贵单位已通过审核的平台。"))
        return platform
    if len(platforms) == 1:
        return platforms[0]
    if not platforms:
        raise DomainError(("platform_id", "贵单位还没有通过审核的平台，平台通过审核后才能提交方案。"))
    raise DomainError(("platform_id", "贵单位运营多个平台，请用 platform_id 指定提交方案的平台。"))


@proposal_blp.route("")
class ProposalList(MethodView):
    @proposal_blp.endpoint(
        refuses=(401,), schema=page_schema(ProposalOut, "ProposalPage"), query=ProposalFilterArgs
    )
    def get(self, args):
        """The caller's proposals and quotes: a firm's received ones, an operator's platforms' sent
        ones, all for administrators; newest first, filtered by status and demand."""
        query = services.proposals_for(
            token_user(), status=args.get("status"), demand_ref=args.get("demand_ref")
        )
        return paginate(query, args["page"], args["per_page"]).map(_proposal_out)

    @proposal_blp.endpoint(
        refuses=(401, 403, 409),
        status=201,
        schema=ProposalOut,
        body=ProposalCreate,
        description="平台运营方就征集中的需求主动提交方案（demand_ref），或就已接受的咨询报价"
        "（inquiry_ref）。同一平台在同一需求（或咨询）上只能有一份待企业答复的方案，如需修改请先撤回"
        "（409）。price 为 null 表示面议。",
    )
    def post(self, payload):
        """Propose on an open demand, or quote on an accepted inquiry (operators)."""
        user = token_user()
        if not user.is_operator:
            abort(403, message="只有平台运营方可以提交方案与报价。")
        data = {
            "title": payload["title"],
            "scope": payload["scope"],
            "deliverables": payload["deliverables"],
            "price_amount": payload["price"],
            "lead_time_days": payload["lead_time_days"],
            "valid_until": payload["valid_until"],
        }
        if payload.get("offering_ref"):
            data["offering_id"] = _by_ref(Offering, "offering_ref", payload["offering_ref"]).id
        with fields_named(PROPOSAL_FIELDS):
            if payload.get("inquiry_ref"):
                inquiry = db.session.scalar(select(Inquiry).where(Inquiry.ref == payload["inquiry_ref"]))
                if inquiry is None or not services.is_platform_party(user, inquiry):
                    raise DomainError(("inquiry_ref", "咨询不存在，或不是发给贵单位平台的咨询。"))
                if payload.get("platform_id") not in (None, inquiry.platform_id):
                    raise DomainError(("platform_id", "报价只能由收到咨询的平台提交。"))
                proposal = services.submit_quote(user, inquiry, data)
            else:
                demand = demand_services.get_by_ref(payload["demand_ref"])
                if demand is None or not demand_services.can_view(user, demand):
                    raise DomainError(("demand_ref", "需求不存在或已不在征集中。"))
                platform = _proposing_platform(user, payload.get("platform_id"))
                proposal = services.submit_proposal(user, platform, demand, data)
        db.session.commit()
        return _proposal_out(proposal)


@proposal_blp.route("/<ref>")
class ProposalItem(MethodView):
    @proposal_blp.endpoint(refuses=(401, 404), schema=ProposalOut)
    def get(self, ref: str):
        """One proposal or quote of the caller's (received by its firm or sent by its platforms)."""
        return _proposal_out(services.get_by_ref(token_user(), Proposal, ref))


@proposal_blp.route("/<ref>/transitions")
class ProposalTransition(MethodView):
    @proposal_blp.endpoint(
        refuses=(401, 404, 409),
        schema=ProposalOut,
        body=ProposalTransitionIn,
        description="企业可执行 accept（生成订单，价格与条款在此时锁定，返回 order_ref，"
        "可在 GET /api/v1/bookings/{ref} 查看）、decline（须填 reason，平台可见）；平台可执行 withdraw。"
        "当前状态不允许、方案已过有效期、或不是调用者一方的操作返回 409。",
    )
    def post(self, payload, ref: str):
        """Accept (→ an order), decline or withdraw a proposal or quote."""
        action = payload["action"]
        proposal = _transition(
            Proposal,
            ref,
            action,
            (PROPOSAL_FIRM_ACTIONS, PROPOSAL_PLATFORM_ACTIONS),
            "方案",
            lambda user, proposal: services.transition_proposal(
                user, proposal, action, payload.get("reason")
            ),
        )
        return _proposal_out(proposal)
