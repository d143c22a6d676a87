"""The search page: one box over offerings, platforms and (for platform users) open demands; and
the administrators' page of documents the index could not take (dead letters)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.auth import role_required
from ..core.views import float_arg, page_arg, page_size
from ..extensions import db
from . import indexer, registry, services
from .outbox import public_page

bp = Blueprint("search", __name__)

SCOPES = {"offering": "中试资源", "platform": "平台", "demand": "需求"}
FILTERS = ("domain", "city", "kind", "level", "certification", "price_unit")
#: The query parameters the page's links (facets, sorting, pager) carry over; nothing else.
LINK_PARAMS = ("q", "scope", *FILTERS, "price_min", "price_max", "sort")


@bp.route("/search")
@public_page
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
        clamp=True,
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


ADMIN = "admin"  #: the administrators' role (matching/ knows no accounts model)


@bp.route("/admin/search")
@role_required(ADMIN)
def dead_letters():
    """Documents set aside by the index, with their errors, and how far behind each host's index is."""
    letters = indexer.dead_letters()
    sources = {source.doc_type: source for source in registry.sources()}
    hosts = indexer.hosts()
    this = indexer.host_id()
    return render_template(
        "search/dead_letters.html",
        letters=letters,
        sources=sources,
        hosts=hosts,
        this_host=this,
        pending=next((host.lag for host in hosts if host.name == this), 0),
    )


@bp.route("/admin/search/retry", methods=["POST"])
@role_required(ADMIN)
def retry_dead_letters():
    """Try the chosen dead letter (or all of them) again now, and say how it went."""
    ids = request.form.getlist("letter", type=int)
    queued = indexer.requeue_dead_letters(ids=ids or [letter.id for letter in indexer.dead_letters()])
    db.session.commit()
    indexer.drain(current_app, wait=current_app.config["SEARCH_DRAIN_WAIT"])
    left = len(indexer.dead_letters())
    if not queued:
        flash("没有需要重试的文档。", "info")
    elif left:
        flash(f"已重试 {queued} 个文档；仍有 {left} 个无法写入索引，请查看错误。", "error")
    else:
        flash(f"已重试 {queued} 个文档，均已写入索引。", "success")
    return redirect(url_for("search.dead_letters"))
