"""Public catalogue pages and the personal dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import vocab
from ..announcements import services as announcements
from ..core.views import float_arg, page_arg, page_size
from ..events import services as events
from ..matching.outbox import hourly_public_page, memo, public_page
from ..offerings import services as offering_services
from ..platforms import services as platform_services
from . import queries

bp = Blueprint("catalog", __name__)

#: Notices and events to come on the home page (and a platform's events on its page).
HOME_ITEMS = 5

#: The query parameters the lists' links (pager) carry over; nothing else of the query string.
OFFERING_PARAMS = ("domain", "city", "kind", "level", "certification", "price_min", "price_max", "sort")
PLATFORM_PARAMS = ("domain", "city", "level", "certification", "sort")


@bp.route("/")
@hourly_public_page  # the events to come change with the clock too
def home():
    remember = memo()
    return render_template(
        "catalog/home.html",
        domains=remember("home:domains", queries.counts_by_domain),
        totals=remember("home:totals", queries.totals),
        announcements=announcements.latest(HOME_ITEMS),
        events=events.upcoming(HOME_ITEMS),
    )


@bp.route("/dashboard")
@login_required
def dashboard():
    if current_user.is_admin:
        return redirect(url_for("admin.index"))
    if current_user.is_operator or current_user.is_firm:
        return redirect(url_for("dashboards.index"))
    if current_user.is_expert:
        return redirect(url_for("experts.workspace"))
    return redirect(url_for("catalog.home"))


@bp.route("/offerings")
@public_page
def offerings():
    filters = queries.OfferingFilters(
        domain=request.args.get("domain") or None,
        city=request.args.get("city") or None,
        kind=request.args.get("kind") or None,
        level=request.args.get("level") or None,
        certification=request.args.get("certification") or None,
        price_min=float_arg("price_min"),
        price_max=float_arg("price_max"),
        sort=request.args.get("sort", "newest"),
    )
    page = queries.offerings_page(filters, page_arg(), page_size(), clamp=True)
    return render_template(
        "catalog/offerings.html",
        page=page,
        filters=filters,
        link_params=OFFERING_PARAMS,
        sorts={
            "newest": "最新发布",
            "price_asc": "价格从低到高",
            "price_desc": "价格从高到低",
            "title": "名称",
        },
    )


@bp.route("/offerings/<int:offering_id>")
@public_page
def offering(offering_id: int):
    item = offering_services.get_visible(current_user, offering_id)
    if item is None:
        abort(404)
    return render_template("catalog/offering.html", offering=item)


@bp.route("/platforms")
@public_page
def platforms():
    filters = queries.PlatformFilters(
        domain=request.args.get("domain") or None,
        city=request.args.get("city") or None,
        level=request.args.get("level") or None,
        certification=request.args.get("certification") or None,
        sort=request.args.get("sort", "newest"),
    )
    page = queries.platforms_page(filters, page_arg(), page_size(), clamp=True)
    return render_template(
        "catalog/platforms.html",
        page=page,
        filters=filters,
        link_params=PLATFORM_PARAMS,
        sorts={"newest": "最新入驻", "name": "名称", "level": "级别"},
    )


@bp.route("/platforms/<int:platform_id>")
@hourly_public_page  # its events to come change with the clock too
def platform(platform_id: int):
    item = platform_services.get_visible(current_user, platform_id)
    if item is None:
        abort(404)
    filters = queries.OfferingFilters(platform_id=item.id)
    page = queries.offerings_page(filters, page_arg(), page_size(), clamp=True)
    return render_template(
        "catalog/platform.html",
        platform=item,
        page=page,
        vocab=vocab,
        events=events.upcoming(HOME_ITEMS, platform=item),
    )
