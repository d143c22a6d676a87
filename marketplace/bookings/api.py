"""Booking endpoints: requests and their life cycle, reviews and outcomes (`/bookings`); blocked periods
and availability of bookable offerings (`/offerings/<id>/…`). Same services and rules as the pages:
a window that cannot be had is a 409 naming the conflicting time, a rule of the offering a 422."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from ..api import Blueprint
from ..api.auth import token_user
from ..api.schemas import PageArgs, page_schema
from ..core.errors import Conflict, DomainError
from ..core.pagination import paginate
from ..extensions import db
from ..offerings import services as offering_services
from ..offerings.models import Offering
from ..platforms.parties import refuse_other_sides_action
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

#: The refusals the endpoints document (the error body names the field in `errors.json`).
REFUSALS = {
    401: "缺少或无效的 API 令牌",
    403: "只有企业账户可以申请预约",
    404: "不存在，或不是调用者的预约/资源",
    409: "与当前状态冲突：时段已被预约或停用（信息中给出冲突的时间），或当前状态、时间不允许此操作",
}
blp = Blueprint(
    "api_bookings", __name__, url_prefix="/bookings", description="预约与服务订单", refusals=REFUSALS
)
offering_blp = Blueprint(
    "api_availability",
    __name__,
    url_prefix="/offerings",
    description="资源的停用时段与可约时间",
    refusals=REFUSALS,
)


def _out(booking: Booking) -> dict:
    return booking_data(booking, services.allowed_actions(token_user(), booking))


def _booking(ref: str) -> Booking:
    """The caller's booking (firm or platform side, or any for administrators); 404 otherwise."""
    return services.get_by_ref(token_user(), ref)


def _act(ref: str, perform, only=None, refusal: tuple[str, str] | None = None) -> dict:
    """Every action on a booking: the caller's booking (404 otherwise); for `only` its side (a party
    test such as `services.is_firm_party`; anyone else: a 409 `refusal`, (field, message));
    `perform(user, booking)`; commit; the booking as it now is."""
    user, booking = token_user(), _booking(ref)
    if only is not None and not only(user, booking):
        raise Conflict(refusal)
    perform(user, booking)
    db.session.commit()
    return _out(booking)


# ---------------------------------------------------------------- bookings


@blp.route("")
class BookingList(MethodView):
    @blp.endpoint(refuses=(401,), schema=page_schema(BookingOut, "BookingPage"), query=BookingFilterArgs)
    def get(self, args):
        """The caller's bookings and orders: a firm's own, an operator's platforms', all for
        administrators; newest first, filtered by status and kind."""
        statuses = [args["status"]] if args.get("status") else None
        query = services.bookings_for(token_user(), kind=args.get("kind"), statuses=statuses)
        return paginate(query, args["page"], args["per_page"]).map(_out)

    @blp.endpoint(
        refuses=(401, 403, 409),
        status=201,
        schema=BookingOut,
        body=BookingCreate,
        description="企业账户申请预约。即时预约的资源立即确认（status 为 accepted），否则为 requested，"
        "等待平台受理。时段已满或与停用时段冲突时返回 409，错误信息给出冲突的时间；"
        "不符合资源的预约规则（开放时间、提前量、时长、数量）返回 422，指明字段。",
    )
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
    @blp.endpoint(refuses=(401, 404), schema=BookingOut)
    def get(self, ref: str):
        """One booking or order of the caller's."""
        return _out(_booking(ref))


@blp.route("/<ref>/transitions")
class BookingTransition(MethodView):
    @blp.endpoint(
        refuses=(401, 404, 409),
        schema=BookingOut,
        body=TransitionIn,
        description="企业可执行 cancel、confirm；平台可执行 accept、decline、cancel、start、complete、"
        "no_show。当前状态或时间不允许、或接受后将超出可同时预约数量时返回 409。",
    )
    def post(self, payload, ref: str):
        """Move a booking along its life cycle: accept, decline, cancel, start, complete, confirm, no_show."""
        action, reason = payload["action"], payload.get("reason")

        def perform(user, booking):
            refuse_other_sides_action(user, booking, action, FIRM_ACTIONS, PLATFORM_ACTIONS, "预约")
            if action == "complete":
                if not (reason or "").strip():
                    raise DomainError(("reason", "请填写完成情况说明。"))
                services.complete(user, booking, reason)
            else:
                services.transition(user, booking, action, reason)

        return _act(ref, perform)


@blp.route("/<ref>/review")
class BookingReview(MethodView):
    @blp.endpoint(
        refuses=(401, 404, 409),
        status=201,
        schema=BookingOut,
        body=ReviewIn,
        description="企业在服务完成后评价一次（1-5 分）。",
    )
    def post(self, payload, ref: str):
        """Rate completed work (the firm, once)."""
        return _act(
            ref,
            lambda user, booking: services.review(user, booking, payload["rating"], payload["comment"]),
            only=services.is_firm_party,
            refusal=("rating", "只有预约的企业可以评价。"),
        )


@blp.route("/<ref>/review/reply")
class BookingReviewReply(MethodView):
    @blp.endpoint(
        refuses=(401, 404, 409), schema=BookingOut, body=ReplyIn, description="平台公开回复评价，仅一次。"
    )
    def post(self, payload, ref: str):
        """Answer the firm's review (the platform, once, publicly)."""

        def perform(user, booking):
            if booking.review is None:
                raise Conflict(("reply", "该预约尚无评价。"))
            services.reply_to_review(user, booking.review, payload["reply"])

        return _act(
            ref,
            perform,
            only=services.is_platform_party,
            refusal=("reply", "只有提供服务的平台可以回复评价。"),
        )


@blp.route("/<ref>/outcome")
class BookingOutcome(MethodView):
    @blp.endpoint(
        refuses=(401, 404, 409),
        schema=BookingOut,
        body=OutcomeIn,
        description="企业填写或更新转化成效：production 已量产、repeat 需再次中试、abandoned 终止、"
        "ongoing 进行中。",
    )
    def put(self, payload, ref: str):
        """Record or update what became of the firm's result (the firm, after completed work)."""
        return _act(
            ref,
            lambda user, booking: services.record_outcome(user, booking, payload["outcome"], payload["note"]),
            only=services.is_firm_party,
            refusal=("outcome", "只有预约的企业可以填写转化成效。"),
        )


# ---------------------------------------------------------------- blocked periods and availability


@offering_blp.route("/<int:offering_id>/blocks")
class BlockList(MethodView):
    @offering_blp.endpoint(
        refuses=(401, 404), schema=page_schema(BlockOut, "OfferingBlockPage"), query=PageArgs
    )
    def get(self, args, offering_id: int):
        """Blocked periods of your own offering, in time order."""
        offering = offering_services.get_managed(token_user(), offering_id)
        query = (
            select(OfferingBlock)
            .where(OfferingBlock.offering_id == offering.id)
            .order_by(OfferingBlock.start_at, OfferingBlock.id)
        )
        return paginate(query, args["page"], args["per_page"])

    @offering_blp.endpoint(
        refuses=(401, 404, 409),
        status=201,
        schema=BlockOut,
        body=BlockIn,
        description="设置停用时段（维护、内部使用）；与已确认的预约重叠时返回 409。",
    )
    def post(self, payload, offering_id: int):
        """Block a period of your own offering."""
        user = token_user()
        offering = offering_services.get_managed(user, offering_id)
        block = services.add_block(user, offering, payload["start"], payload["end"], payload["reason"])
        db.session.commit()
        return block


@offering_blp.route("/<int:offering_id>/blocks/<int:block_id>")
class BlockItem(MethodView):
    @offering_blp.endpoint(refuses=(401, 404), status=204)
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
    @offering_blp.endpoint(
        refuses=(404,),
        schema=AvailabilityOut,
        query=AvailabilityArgs,
        token=False,
        description="开放时间内的空闲（free，含剩余台/套数）、已约满（booked）与停用（blocked）时段，"
        "不显示预约方。公开资源无需令牌。",
    )
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
