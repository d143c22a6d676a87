"""Calendar pages (an offering's availability, a platform's schedule, a firm's bookings) and the
iCalendar feeds with the page that creates and revokes them."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, lazyload

from ..accounts.models import Role
from ..core.auth import acting_user, or_404, role_required
from ..core.inputs import int_in_range
from ..core.views import perform
from ..extensions import db
from ..matching.outbox import hourly_public_page
from ..offerings import services as offering_services
from ..offerings.models import Offering
from ..platforms import services as platform_services
from . import calendar

bp = Blueprint("calendar", __name__)

#: An offering's calendar shows its title and capacity and its platform's name: the platform comes
#: in the same statement, neither one's label lists.
OFFERING_SHOWN = (lazyload("*"), joinedload(Offering.platform).lazyload("*"))


def _links(endpoint: str, route_args: dict):
    """`link(args)` for the templates: this calendar with other query arguments (never request.args)."""
    return lambda args: url_for(endpoint, **route_args, **args)


def _period() -> calendar.Period:
    try:
        return calendar.period_from_args(
            request.args.get("view"), request.args.get("month"), request.args.get("week")
        )
    except calendar.BadPeriod as exc:
        abort(400, description=str(exc))


@bp.route("/offerings/<int:offering_id>/calendar")
@hourly_public_page
def offering(offering_id: int):
    """Free, booked and blocked time of a bookable offering (public; never who booked)."""
    item = offering_services.get_visible(current_user, offering_id, OFFERING_SHOWN)
    if item is None or not item.is_bookable:
        abort(404)
    period = _period()
    link = _links("calendar.offering", {"offering_id": item.id})
    week = link({}) + "?view=week&week="  # each day's link: the same URL as link() builds, built once
    return render_template(
        "calendar/offering.html",
        offering=item,
        period=period,
        days=calendar.offering_days(item, period),
        blocks=calendar.blocks_in(item, period),
        whole_day=calendar.is_whole_day(item),
        link=link,
        week_link=lambda day: week + day.isoformat(),
    )


@bp.route("/my/platforms/<int:platform_id>/schedule")
@role_required(Role.OPERATOR, Role.ADMIN)
def platform(platform_id: int):
    """A platform's whole schedule, for its operators and the administrators."""
    user = acting_user()
    with or_404():
        item = calendar.get_schedule_platform(user, platform_id)
    period = _period()
    return render_template(
        "calendar/schedule.html",
        title=f"{item.name} · 预约日程",
        platform=item,
        period=period,
        days=calendar.platform_schedule(user, item, period),
        link=_links("calendar.platform", {"platform_id": item.id}),
        who_label="企业",
    )


@bp.route("/my/calendar")
@role_required(Role.FIRM)
def mine():
    """The firm's own bookings and orders with windows."""
    period = _period()
    return render_template(
        "calendar/schedule.html",
        title="我的预约日历",
        platform=None,
        period=period,
        days=calendar.firm_schedule(acting_user(), period),
        link=_links("calendar.mine", {}),
        who_label="平台",
    )


def _feed_rows(user):
    return [(target, calendar.active_feed(user, target)) for target in calendar.feed_targets(user)]


def _target_from_form(user):
    """The platform named by the form's platform_id (None: the firm's own bookings); 404 if not theirs."""
    raw = request.form.get("platform_id", "")
    if not raw:
        return None
    if not (raw.isdigit() and len(raw) <= 10 and int_in_range(int(raw))):
        abort(404)
    with or_404():
        return platform_services.get_managed(user, int(raw))


@bp.route("/my/calendar/feeds")
@login_required
def feeds():
    return render_template("calendar/feeds.html", rows=_feed_rows(acting_user()), created=None)


@bp.route("/my/calendar/feeds/new", methods=["POST"])
@login_required
def create_feed():
    """A new secret URL (the old one stops working), shown on this answer only."""
    user = acting_user()
    target = _target_from_form(user)
    with or_404():
        token = calendar.create_feed(user, target)
    db.session.commit()
    url = calendar.feed_url(token)
    response = make_response(
        render_template(
            "calendar/feeds.html",
            rows=_feed_rows(user),
            created={"target": target, "url": url},
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/my/calendar/feeds/revoke", methods=["POST"])
@login_required
def revoke_feed():
    user = acting_user()
    target = _target_from_form(user)
    with or_404():
        perform(lambda: calendar.revoke_feed(user, target), "订阅链接已停用，日历软件将无法再读取。")
    return redirect(url_for("calendar.feeds"))


@bp.route("/calendar/<token>.ics")
def feed(token: str):
    """The iCalendar feed of a secret token; 404 for unknown or revoked tokens (the token is never logged)."""
    try:
        item = calendar.feed_by_token(token)
    except LookupError:
        abort(404)
    response = make_response(calendar.feed_ical(item, request.host.split(":")[0]))
    response.mimetype = "text/calendar"
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="zhongshi.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
