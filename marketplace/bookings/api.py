"""Booking endpoints: requests and their life cycle, reviews and outcomes (`/bookings`); blocked periods
and availability of bookable offerings (`/offerings/<id>/…`). Same services and rules as the pages:
a window that cannot be had is a 409 naming the conflicting time, a rule of the offering a 422."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import RAISE
from sqlalchemy import select

from ..api import Blueprint, refusals
from ..api.auth import domain_errors, token_required, token_user
from ..api.schemas import PageArgs, page_schema
from ..core.errors import Conflict, DomainError
from ..core.pagination import Page, paginate
from ..extensions import db
from ..offerings import services as offering_services
from ..offerings.models import Offering
from . import availability, services
from .models import FIRM_ACTIONS, PLATFORM_ACTIONS, Booking, OfferingBlock
from .schemas import (
    AvailabilityArgs,
    AvailabilityOut,
    BlockIn,
    BlockOut,
    BookingCreate,
    BookingFilterArgs,
    BookingOut,
    OutcomeIn,
    ReplyIn,
    ReviewIn,
    TransitionIn,
    booking_data,
)

blp = Blueprint("api_bookings", __name__, url_prefix="/bookings", description="预约与服务订单")
offering_blp = Blueprint(
    "api_availability", __name__, url_prefix="/offerings", description="资源的停用时段与可约时间"
)
TOKEN = [{"bearer": []}]
#: The refusals the endpoints document (the error body names the field in `errors.json`).
REFUSALS = {
    401: "缺少或无效的 API 令牌",
    403: "只有企业账户可以申请预约",
    404: "不存在，或不是调用者的预约/资源",
    409: "与当前状态冲突：时段已被预约或停用（信息中给出冲突的时间），或当前状态、时间不允许此操作",
}


def _out(booking: Booking) -> dict:
    return booking_data(booking, services.allowed_actions(token_user(), booking))


def _booking(ref: str) -> Booking:
    """The caller's booking (firm or platform side, or any for administrators); 404 otherwise."""
    return services.get_by_ref(token_user(), ref)


# ---------------------------------------------------------------- bookings


@blp.route("")
class BookingList(MethodView):
    @blp.doc(security=TOKEN)
    @blp.arguments(BookingFilterArgs, location="query", unknown=RAISE)
    @blp.response(200, page_schema(BookingOut, "BookingPage"))
    @refusals(blp, REFUSALS, 401)
    @token_required
    def get(self, args):
        """The caller's bookings and orders: a firm's own, an operator's platforms', all for
        administrators; newest first, filtered by status and kind."""
        statuses = [args["status"]] if args.get("status") else None
        query = services.bookings_for(token_user(), kind=args.get("kind"), statuses=statuses)
        page = paginate(query, args["page"], args["per_page"])
        return Page([_out(b) for b in page.items], page.total, page.page, page.per_page)

    @blp.doc(
        security=TOKEN,
        description="企业账户申请预约。即时预约的资源立即确认（status 为 accepted），否则为 requested，"
        "等待平台受理。时段已满或与停用时段冲突时返回 409，错误信息给出冲突的时间；"
        "不符合资源的预约规则（开放时间、提前量、时长、数量）返回 422，指明字段。",
    )
    @blp.arguments(BookingCreate)
    @blp.response(201, BookingOut)
    @refusals(blp, REFUSALS, 401, 403, 409)
    @token_required
    @domain_errors
    def post(self, payload):
        """Request a window of a bookable offering (firms)."""
        user = token_user()
        if not user.is_firm:
            abort(403, message="只有企业账户可以申请预约。")
        offering = db.session.scalar(select(Offering).where(Offering.ref == payload["offering_ref"]))
        if offering is None or not offering.is_public:
            raise DomainError(("offering_ref", "资源不存在或当前不接受在线预约。"))
        booking = services.request_booking(
            user, offering, payload["start"], payload["end"], payload["quantity"], payload["note"]
        )
        db.session.commit()
        return _out(booking)


@blp.route("/<ref>")
class BookingItem(MethodView):
    @blp.doc(security=TOKEN)
    @blp.response(200, BookingOut)
    @refusals(blp, REFUSALS, 401, 404)
    @token_required
    @domain_errors
    def get(self, ref: str):
        """One booking or order of the caller's."""
        return _out(_booking(ref))


@blp.route("/<ref>/transitions")
class BookingTransition(MethodView):
    @blp.doc(
        security=TOKEN,
        description="企业可执行 cancel、confirm；平台可执行 accept、decline、cancel、start、complete、"
        "no_show。当前状态或时间不允许、或接受后将超出可同时预约数量时返回 409。",
    )
    @blp.arguments(TransitionIn)
    @blp.response(200, BookingOut)
    @refusals(blp, REFUSALS, 401, 404, 409)
    @token_required
    @domain_errors
    def post(self, payload, ref: str):
        """Move a booking along its life cycle: accept, decline, cancel, start, complete, confirm, no_show."""
        user, booking = token_user(), _booking(ref)
        action, reason = payload["action"], payload.get("reason")
        side = (FIRM_ACTIONS if services.is_firm_party(user, booking) else ()) + (
            PLATFORM_ACTIONS if services.is_platform_party(user, booking) else ()
        )
        if action not in side:
            raise Conflict(("action", "您这一方不能对该预约执行此操作。"))
        if action == "complete":
            if not (reason or "").strip():
                raise DomainError(("reason", "请填写完成情况说明。"))
            services.complete(user, booking, reason)
        else:
            services.transition(user, booking, action, reason)
        db.session.commit()
        return _out(booking)


@blp.route("/<ref>/review")
class BookingReview(MethodView):
    @blp.doc(security=TOKEN, description="企业在服务完成后评价一次（1-5 分）。")
    @blp.arguments(ReviewIn)
    @blp.response(201, BookingOut)
    @refusals(blp, REFUSALS, 401, 404, 409)
    @token_required
    @domain_errors
    def post(self, payload, ref: str):
        """Rate completed work (the firm, once)."""
        user, booking = token_user(), _booking(ref)
        if not services.is_firm_party(user, booking):
            raise Conflict(("rating", "只有预约的企业可以评价。"))
        services.review(user, booking, payload["rating"], payload["comment"])
        db.session.commit()
        return _out(booking)


@blp.route("/<ref>/review/reply")
class BookingReviewReply(MethodView):
    @blp.doc(security=TOKEN, description="平台公开回复评价，仅一次。")
    @blp.arguments(ReplyIn)
    @blp.response(200, BookingOut)
    @refusals(blp, REFUSALS, 401, 404, 409)
    @token_required
    @domain_errors
    def post(self, payload, ref: str):
        """Answer the firm's review (the platform, once, publicly)."""
        user, booking = token_user(), _booking(ref)
        if not services.is_platform_party(user, booking):
            raise Conflict(("reply", "只有提供服务的平台可以回复评价。"))
        if booking.review is None:
            raise Conflict(("reply", "该预约尚无评价。"))
        services.reply_to_review(user, booking.review, payload["reply"])
        db.session.commit()
        return _out(booking)


@blp.route("/<ref>/outcome")
class BookingOutcome(MethodView):
    @blp.doc(
        security=TOKEN,
        description="企业填写或更新转化成效：production 已量产、repeat 需再次中试、abandoned 终止、"
        "ongoing 进行中。",
    )
    @blp.arguments(OutcomeIn)
    @blp.response(200, BookingOut)
    @refusals(blp, REFUSALS, 401, 404, 409)
    @token_required
    @domain_errors
    def put(self, payload, ref: str):
        """Record or update what became of the firm's result (the firm, after completed work)."""
        user, booking = token_user(), _booking(ref)
        if not services.is_firm_party(user, booking):
            raise Conflict(("outcome", "只有预约的企业可以填写转化成效。"))
        services.record_outcome(user, booking, payload["outcome"], payload["note"])
        db.session.commit()
        return _out(booking)


# ---------------------------------------------------------------- blocked periods and availability


@offering_blp.route("/<int:offering_id>/blocks")
class BlockList(MethodView):
    @offering_blp.doc(security=TOKEN)
    @offering_blp.arguments(PageArgs, location="query", unknown=RAISE)
    @offering_blp.response(200, page_schema(BlockOut, "OfferingBlockPage"))
    @refusals(offering_blp, REFUSALS, 401, 404)
    @token_required
    @domain_errors
    def get(self, args, offering_id: int):
        """Blocked periods of your own offering, in time order."""
        offering = offering_services.get_managed(token_user(), offering_id)
        query = (
            select(OfferingBlock)
            .where(OfferingBlock.offering_id == offering.id)
            .order_by(OfferingBlock.start_at, OfferingBlock.id)
        )
        return paginate(query, args["page"], args["per_page"])

    @offering_blp.doc(
        security=TOKEN, description="设置停用时段（维护、内部使用）；与已确认的预约重叠时返回 409。"
    )
    @offering_blp.arguments(BlockIn)
    @offering_blp.response(201, BlockOut)
    @refusals(offering_blp, REFUSALS, 401, 404, 409)
    @token_required
    @domain_errors
    def post(self, payload, offering_id: int):
        """Block a period of your own offering."""
        user = token_user()
        offering = offering_services.get_managed(user, offering_id)
        block = services.add_block(user, offering, payload["start"], payload["end"], payload["reason"])
        db.session.commit()
        return block


@offering_blp.route("/<int:offering_id>/blocks/<int:block_id>")
class BlockItem(MethodView):
    @offering_blp.doc(security=TOKEN)
    @offering_blp.response(204)
    @refusals(offering_blp, REFUSALS, 401, 404)
    @token_required
    @domain_errors
    def delete(self, offering_id: int, block_id: int):
        """Remove a blocked period of your own offering."""
        user = token_user()
        block = services.get_block(user, block_id)
        if block.offering_id != offering_id:
            raise LookupError(block_id)
        services.remove_block(user, block)
        db.session.commit()


@offering_blp.route("/<int:offering_id>/availability")
class Availability(MethodView):
    @offering_blp.doc(
        description="开放时间内的空闲（free，含剩余台/套数）、已约满（booked）与停用（blocked）时段，"
        "不显示预约方。公开资源无需令牌。"
    )
    @offering_blp.arguments(AvailabilityArgs, location="query", unknown=RAISE)
    @offering_blp.response(200, AvailabilityOut)
    @refusals(offering_blp, REFUSALS, 404)
    def get(self, args, offering_id: int):
        """Free, booked and blocked time of a bookable offering over at most 92 days."""
        offering = offering_services.get_visible(token_user(), offering_id)
        if offering is None:
            abort(404, message="资源不存在")
        if not offering.is_bookable:
            abort(404, message="该资源不接受在线预约")
        start, end = args["start"], args["end"]
        pieces = availability.segments(offering, start, end)
        return {
            "offering_id": offering.id,
            "offering_ref": offering.ref,
            "booking_capacity": offering.booking_capacity,
            "start": start,
            "end": end,
            "free": [
                {"start": s.start, "end": s.end, "free_units": s.free_units}
                for s in pieces
                if s.state == "free"
            ],
            "booked": [{"start": s.start, "end": s.end} for s in pieces if s.state == "booked"],
            "blocked": [
                {"start": s.start, "end": s.end, "reason": s.reason} for s in pieces if s.state == "blocked"
            ],
        }
