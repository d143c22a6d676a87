"""The search page: one box over offerings, platforms and (for platform users) open demands."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from . import services

bp = Blueprint("search", __name__)

SCOPES = {"offering": "中试资源", "platform": "平台", "demand": "需求"}


def _float(name: str) -> float | None:
    try:
        value = float(request.args.get(name, ""))
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e12 else None


@bp.route("/search")
def search():
    scope = request.args.get("scope", "offering")
    may_see_demands = current_user.is_authenticated and current_user.role in ("operator", "admin")
    if scope not in SCOPES or (scope == "demand" and not may_see_demands):
        scope = "offering"
    filters = {name: (request.args.get(name) or "")[:40] for name in ("domain", "city", "kind", "level", "certification")}
    filters["price_min"], filters["price_max"] = _float("price_min"), _float("price_max")
    results = services.search(
        request.args.get("q", ""), doc_type=scope, filters=filters, sort=request.args.get("sort", "relevance"),
        page=request.args.get("page", 1, type=int) or 1,
    )
    scopes = {k: v for k, v in SCOPES.items() if k != "demand" or may_see_demands}
    return render_template("search/results.html", results=results, q=request.args.get("q", ""), scope=scope,
                           scopes=scopes, filters=filters, sort=request.args.get("sort", "relevance"))
