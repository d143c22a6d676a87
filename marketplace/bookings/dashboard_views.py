"""Dashboards (工作台): a platform's (its operators; administrators may open any) and a firm's."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import lazyload
from werkzeug.routing import BuildError

from ..accounts.models import Role
from ..core.auth import acting_user, log_refused_read, role_required
from ..core.errors import DomainError
from ..core.timeutil import this_minute
from ..core.views import page_of
from ..extensions import db
from ..matching.outbox import signed_in_page
from ..platforms import services as platform_services
from ..platforms.models import Platform
from . import dashboards, services

bp = Blueprint("dashboards", __name__)


def link_for(endpoint: str, **values) -> str | None:
    """A link to another feature's page, or None while that page does not exist (inquiry and
    proposal pages arrive with their own feature): the dashboard then shows plain text."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.context_processor
def _helpers():
    return {"link_for": link_for, "number": _number, "money": _money}


def _number(value: float) -> str:
    """Unit-hours: '1,234', '28.5'."""
    return f"{value:,.1f}".removesuffix(".0")


def _money(value: float) -> str:
    return f"{value:,.2f}"


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item

    app.register_blueprint(bp)
    add_menu_item(
        app,
        "平台工作台",
        "dashboards.index",
        description="查看任一平台的待办、排期、设备利用率、收入与评价。",
        order=40,
    )


@bp.route("/workbench/")
@role_required(Role.FIRM, Role.OPERATOR, Role.ADMIN)
def index():
    """Firms go to theirs; operators choose among their platforms; administrators among all."""
    user = acting_user()
    if user.is_firm:
        return redirect(url_for("dashboards.firm"))
    if user.is_operator:
        platforms = platform_services.platforms_of(user)
        if not platforms:  # nothing to run yet: register a platform first
            return redirect(url_for("platforms.mine"))
        if len(platforms) == 1:
            return redirect(url_for("dashboards.platform", platform_id=platforms[0].id))
        return render_template("dashboards/index.html", platforms=platforms, page=None)
    page = page_of(select(Platform).order_by(Platform.name, Platform.id))
    return render_template("dashboards/index.html", platforms=page.items, page=page)


def _dashboard_platform(platform_id: int) -> Platform:
    """The platform if the user runs it or administers the site; 404 otherwise (never its data)."""
    user = acting_user()
    # The dashboards show the platform's name: its label lists load only if something reads them.
    platform = db.session.get(Platform, platform_id, options=[lazyload("*")])
    if platform is None:
        abort(404)
    if not (user.is_admin or platform_services.can_manage(user, platform)):
        log_refused_read("platform dashboard", platform_id)
        abort(404)
    return platform


@bp.route("/workbench/platforms/<int:platform_id>")
@role_required(Role.OPERATOR, Role.ADMIN)
@signed_in_page
def platform(platform_id: int):
    platform = _dashboard_platform(platform_id)
    now = this_minute()
    period_errors: dict[str, list[str]] = {}
    try:
        period = dashboards.parse_period(
            request.args.get("period"), request.args.get("from"), request.args.get("to")
        )
    except DomainError as exc:
        period, period_errors = None, exc.as_dict()
    context = {
        "platform": platform,
        "now": now,
        "waiting": dashboards.platform_waiting(platform, now),
        "target_hours": current_app.config["RESPONSE_TARGET_HOURS"],
        "proposals": dashboards.proposals_awaiting_firm(platform, now),
        "schedule": dashboards.upcoming_schedule(platform, now),
        "schedule_days": dashboards.SCHEDULE_DAYS,
        "ratings": services.rating_summary(platform_id=platform.id),
        "period": period,
        "period_errors": period_errors,
        "presets": dashboards.PRESETS,
        "form_from": request.args.get("from", "")[:10],
        "form_to": request.args.get("to", "")[:10],
    }
    if period is not None:
        context.update(
            usage=dashboards.platform_utilisation(platform, period),
            revenue=dashboards.platform_revenue(platform, period),
            response=dashboards.response_stats(platform, period),
        )
    status = 400 if period_errors else 200
    return render_template("dashboards/platform.html", **context), status


@bp.route("/workbench/firm")
@role_required(Role.FIRM)
@signed_in_page
def firm():
    user = acting_user()
    now = this_minute()
    totals = dashboards.firm_totals(user.org_id)
    return render_template(
        "dashboards/firm.html",
        now=now,
        waiting=dashboards.firm_waiting(user.org_id, now, totals=totals),
        auto_confirm_at=dashboards.auto_confirm_at,
        inquiries=dashboards.firm_inquiries(user.org_id) if totals["all_inquiries"] else [],
        inquiry_total=totals["all_inquiries"],
        bookings=dashboards.firm_bookings(user.org_id) if totals["all_bookings"] else [],
        booking_total=totals["all_bookings"],
        groups=dashboards.firm_proposals(user.org_id) if totals["all_proposals"] else [],
        proposal_total=totals["all_proposals"],
        limit=dashboards.FIRM_LIST_LIMIT,
        proposal_limit=dashboards.FIRM_PROPOSAL_LIMIT,
    )
