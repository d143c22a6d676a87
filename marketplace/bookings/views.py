"""Booking pages: the firm's request with its price preview, the booking page of both sides (actions,
completion, review, outcome), the firms' and operators' lists, and the operators' blocked periods."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..core.auth import acting_user, or_404, role_required
from ..core.errors import DomainError
from ..core.views import apply_to_form, page_of, perform, submit_form
from ..extensions import db, login_manager
from ..matching.outbox import signed_in_page
from ..offerings import services as offering_services
from . import availability, dashboards, services
from .forms import (
    BlockForm,
    CompleteForm,
    HourlyRequestForm,
    ListFilters,
    OutcomeForm,
    ReasonForm,
    ReplyForm,
    ReviewForm,
    WholeDayRequestForm,
    aware,
)
from .models import BOOKING_WORKFLOW, REASON_REQUIRED

bp = Blueprint("bookings", __name__)

#: The actions a button on the booking page may post (complete has its own form with the report).
BUTTON_ACTIONS = ("accept", "decline", "cancel", "start", "no_show", "confirm")


# ---------------------------------------------------------------- for other pages


@bp.app_template_global()
def booking_ratings(*, platform=None, offering=None) -> dict:
    """Ratings of a platform or an offering for the public pages: the summary and the latest reviews."""
    scope = {"platform_id": platform.id} if platform is not None else {"offering_id": offering.id}
    return {"summary": services.rating_summary(**scope), "reviews": services.latest_reviews(**scope)}


@bp.app_template_global()
def booking_waiting(booking) -> tuple[str, bool] | None:
    """How long a request has waited ("5 小时", "2 天 3 小时") and whether it is overdue (None: answered)."""
    hours = services.waiting_hours(booking)
    if hours is None:
        return None
    whole = max(int(hours), 0)
    text = (
        f"{whole // 24} 天 {whole % 24} 小时"
        if whole >= 24
        else (f"{whole} 小时" if whole else "不到 1 小时")
    )
    return text, services.is_overdue(booking)


@bp.app_template_global()
def booking_rules(offering) -> list[tuple[str, str]]:
    return services.rules_of(offering)


# ---------------------------------------------------------------- requesting


def _bookable_or_404(offering_id: int):
    offering = offering_services.get_visible(current_user, offering_id)
    if offering is None or not offering.is_bookable or not offering.is_public:
        abort(404)
    return offering


def _request_form(offering):
    whole_days = offering.price_unit in availability.WHOLE_DAY_UNITS
    form = (WholeDayRequestForm if whole_days else HourlyRequestForm)()
    form.demand_id.choices = [("", "不关联")] + [
        (str(d.id), d.title) for d in services.open_demands_of(current_user)
    ]
    if request.method == "GET" and request.args.get("demand") in dict(form.demand_id.choices):
        form.demand_id.data = request.args["demand"]  # booked from one of the firm's demand's matches
    return form


def _price_key(amount) -> str:
    return "面议" if amount is None else f"{amount:.2f}"


@bp.route("/offerings/<int:offering_id>/book", methods=["GET", "POST"])
def request_form(offering_id: int):
    """The firm's request: window, quantity, note, files, an optional demand; "计算费用" shows the price
    and runs the offering's rules; "提交预约申请" sends (only the price the firm has seen)."""
    offering = _bookable_or_404(offering_id)
    form = _request_form(offering)
    preview = None
    if request.method == "POST":
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_firm:
            abort(403)
        preview, booking = _preview_or_send(offering, form)
        if booking is not None:
            return redirect(url_for("bookings.detail", booking_id=booking.id))
    return render_template("bookings/request.html", offering=offering, form=form, preview=preview)


def _preview_or_send(offering, form):
    """(preview, None) with the price when the input passes the rules, (None, None) when it does not,
    (None, booking) once a request is committed."""
    valid = form.validate()
    start, end = form.window()
    quantity = form.quantity.data or 1
    if not valid:
        return None, None
    try:
        services.validate_request(offering, start, end, quantity, form.note.data or "")
    except DomainError as exc:
        apply_to_form(form, exc)
        return None, None
    amount, basis = services.quote(offering, start, end, quantity)
    key = _price_key(amount)
    if request.form.get("send") and form.quoted.data == key:
        demand = None
        if form.demand_id.data:
            open_demands = services.open_demands_of(acting_user())
            demand = next((d for d in open_demands if str(d.id) == form.demand_id.data), None)
        try:
            booking = services.request_booking(
                acting_user(), offering, start, end, quantity, form.note.data or "", demand=demand
            )
            services.attach_files(acting_user(), booking, request.files.getlist(form.files.name))
        except DomainError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
            return None, None
        db.session.commit()
        flash(
            "预约已确认（即时预约）。"
            if booking.status in services.HOLDING
            else "预约申请已提交，等待平台受理。",
            "success",
        )
        return None, booking
    if request.form.get("send"):
        form.form_errors.append("时段或数量已改变，费用已重新计算，请确认后再提交。")
    form.quoted.data = key
    return {"amount": amount, "basis": basis, "start": start, "end": end, "quantity": quantity}, None


# ---------------------------------------------------------------- one booking


def _visible_or_404(booking_id: int):
    booking = services.get_visible(current_user, booking_id)
    if booking is None:
        abort(404)
    return booking


def _detail(booking, **forms):
    user = current_user
    firm_side = services.is_firm_party(user, booking)
    platform_side = services.is_platform_party(user, booking)
    actions = services.allowed_actions(user, booking)
    done = booking.status in services.DONE
    return render_template(
        "bookings/detail.html",
        booking=booking,
        actions=[a for a in actions if a in BUTTON_ACTIONS],
        reason_actions=REASON_REQUIRED,
        action_labels=BOOKING_WORKFLOW.action_labels,
        can_complete="complete" in actions,
        history=BOOKING_WORKFLOW.history(booking),
        labels=BOOKING_WORKFLOW.labels,
        contacts=services.contact_people(user, booking),
        cancellation_rule=services.cancellation_rule(booking),
        no_shows=services.no_show_count(booking) if platform_side and not firm_side else None,
        show_no_shows=platform_side and booking.status == services.BookingStatus.REQUESTED,
        firm_side=firm_side,
        platform_side=platform_side,
        can_attach=firm_side or platform_side,
        can_review=firm_side and done and booking.review is None,
        can_reply=platform_side and booking.review is not None and booking.review.reply is None,
        can_record_outcome=firm_side and done,
        reason_form=forms.get("reason_form") or ReasonForm(formdata=None),
        complete_form=forms.get("complete_form") or CompleteForm(formdata=None),
        review_form=forms.get("review_form") or ReviewForm(formdata=None),
        reply_form=forms.get("reply_form") or ReplyForm(formdata=None),
        outcome_form=forms.get("outcome_form")
        or OutcomeForm(formdata=None, outcome=booking.outcome or "", outcome_note=booking.outcome_note),
    )


@bp.route("/bookings/<int:booking_id>")
@login_required
def detail(booking_id: int):
    return _detail(_visible_or_404(booking_id))


@bp.route(f"/bookings/<int:booking_id>/<any({', '.join(BUTTON_ACTIONS)}):action>", methods=["POST"])
@login_required
def act(booking_id: int, action: str):
    booking = _visible_or_404(booking_id)
    form = ReasonForm()
    if not form.validate():
        flash("；".join(form.reason.errors or form.form_errors), "error")
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    label, after = BOOKING_WORKFLOW.action_labels[action], BOOKING_WORKFLOW.label(_next(booking, action))
    with or_404():
        perform(
            lambda: services.transition(acting_user(), booking, action, form.reason.data),
            f"已{label}，当前状态：{after}。",
        )
    return redirect(url_for("bookings.detail", booking_id=booking.id))


def _next(booking, action: str) -> str:
    return BOOKING_WORKFLOW.transitions.get((booking.status, action), booking.status)


@bp.route("/bookings/<int:booking_id>/complete", methods=["POST"])
@login_required
def complete(booking_id: int):
    booking = _visible_or_404(booking_id)
    form = CompleteForm()

    def action():
        services.attach_files(acting_user(), booking, request.files.getlist(form.files.name))
        services.complete(acting_user(), booking, form.report.data)

    with or_404():
        done, _ = submit_form(form, action, "已标记完成，等待企业确认验收。")
    if done:
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    return _detail(booking, complete_form=form)


@bp.route("/bookings/<int:booking_id>/review", methods=["POST"])
@login_required
def review(booking_id: int):
    booking = _visible_or_404(booking_id)
    form = ReviewForm()
    with or_404():
        done, _ = submit_form(
            form,
            lambda: services.review(acting_user(), booking, int(form.rating.data), form.comment.data or ""),
            "感谢评价，评价已公开显示。",
        )
    if done:
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    return _detail(booking, review_form=form)


@bp.route("/bookings/<int:booking_id>/reply", methods=["POST"])
@login_required
def reply(booking_id: int):
    booking = _visible_or_404(booking_id)
    if booking.review is None:
        abort(404)
    form = ReplyForm()
    with or_404():
        done, _ = submit_form(
            form,
            lambda: services.reply_to_review(acting_user(), booking.review, form.reply.data),
            "回复已公开显示。",
        )
    if done:
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    return _detail(booking, reply_form=form)


@bp.route("/bookings/<int:booking_id>/outcome", methods=["POST"])
@login_required
def outcome(booking_id: int):
    booking = _visible_or_404(booking_id)
    form = OutcomeForm()
    with or_404():
        done, _ = submit_form(
            form,
            lambda: services.record_outcome(
                acting_user(), booking, form.outcome.data, form.outcome_note.data or ""
            ),
            "转化成效已保存，可随时更新。",
        )
    if done:
        return redirect(url_for("bookings.detail", booking_id=booking.id))
    return _detail(booking, outcome_form=form)


# ---------------------------------------------------------------- lists


def _list(template: str, title: str):
    filters = ListFilters(formdata=request.args)
    status, kind, todo = filters.values()
    user = acting_user()
    query = services.bookings_for(user, kind=kind, statuses=[status] if status else None)
    if todo and user.is_firm:  # the workbench's to-dos, each in full
        query = query.where(dashboards.firm_todo(user.org_id, todo))
    return render_template(template, page=page_of(query), filters=filters, title=title)


@bp.route("/my/bookings")
@role_required(Role.FIRM)
@signed_in_page
def mine():
    return _list("bookings/mine.html", "我的预约与订单")


@bp.route("/platform/bookings")
@role_required(Role.OPERATOR, Role.ADMIN)
@signed_in_page
def platform_list():
    title = "预约与订单管理" if current_user.is_operator else "全部预约与订单"
    return _list("bookings/platform_list.html", title)


# ---------------------------------------------------------------- blocked periods


@bp.route("/my/offerings/<int:offering_id>/blocks", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def blocks(offering_id: int):
    with or_404():
        offering = offering_services.get_managed(acting_user(), offering_id)
    if not offering.is_bookable:
        abort(404)
    form = BlockForm()
    done, _ = submit_form(
        form,
        lambda: services.add_block(
            acting_user(), offering, aware(form.start.data), aware(form.end.data), form.reason.data
        ),
        "停用时段已添加，期间不接受预约。",
    )
    if done:
        return redirect(url_for("bookings.blocks", offering_id=offering.id))
    return render_template(
        "bookings/blocks.html", offering=offering, form=form, blocks=services.blocks_of(offering)
    )


@bp.route("/my/offerings/<int:offering_id>/blocks/<int:block_id>/delete", methods=["POST"])
@role_required(Role.OPERATOR)
def remove_block(offering_id: int, block_id: int):
    with or_404():
        block = services.get_block(acting_user(), block_id)
        if block.offering_id != offering_id:
            raise LookupError(block_id)
    perform(lambda: services.remove_block(acting_user(), block), "停用时段已删除。")
    return redirect(url_for("bookings.blocks", offering_id=offering_id))
