"""The search page: one box over offerings, platforms and (for platform users) open demands."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..core.views import float_arg, page_arg, page_size
from . import services

bp = Blueprint("search", __name__)

SCOPES = {"offering": "中试资源", "platform": "平台", "demand": "需求"}
FILTERS = ("domain", "city", "kind", "level", "certification")
#: The query parameters the page's links (facets, sorting, pager) carry over; nothing else.
LINK_PARAMS = ("q", "scope", *FILTERS, "price_min", "price_max", "sort")


@bp.route("/search")
def search():
    scope = request.args.get("scope", "offering")
    may_see_demands = services.may_search_demands(current_user)
    if scope not in SCOPES or (scope == "demand" and not may_see_demands):
        scope = "offering"
    filters = {name: (request.args.get(name) or "")[:40] for name in FILTERS}
    filters["price_min"], filters["price_max"] = float_arg("price_min"), float_arg("price_max")
    results = services.search(
        request.args.get("q", ""),
        doc_type=scope,
        filters=filters,
        sort=request.args.get("sort", "relevance"),
        page=page_arg(),
        per_page=page_size(),
    )
    scopes = {k: v for k, v in SCOPES.items() if k != "demand" or may_see_demands}
    return render_template(
        "search/results.html",
        results=results,
        q=request.args.get("q", ""),
        scope=scope,
        scopes=scopes,
        filters=filters,
        sort=request.args.get("sort", "relevance"),
        link_params=LINK_PARAMS,
    )
