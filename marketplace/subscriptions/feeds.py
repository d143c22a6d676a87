"""Atom feeds: offerings by the search page's own parameters (a saved search is such a URL), a
platform's new offerings, open demands by domain, and 通知公告 by kind. Public, newest first, the same
visibility as the pages; kept like the public pages (`public_page`) until something public changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import vocab
from ..announcements import services as notices
from ..announcements.models import Announcement
from ..core.models import utcnow
from ..core.views import float_arg
from ..demands.models import Demand
from ..extensions import db
from ..matching import services as matching
from ..matching.outbox import public_page
from ..offerings.models import Offering
from ..platforms import services as platforms
from .services import SEARCH_PARAMS, describe, search_query

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

FEED_SIZE = 50
ATOM = "application/atom+xml"
#: Characters XML 1.0 does not allow (control characters but tab and line breaks).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@bp.app_template_filter("xml_safe")
def xml_safe(text) -> str:
    return _NOT_XML.sub("", str(text or ""))


def _aware(moment: datetime | None) -> datetime:
    moment = moment or utcnow()
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _feed(title: str, page_url: str, entries: list[dict]):
    updated = max((e["updated"] for e in entries), default=_aware(None))
    body = render_template(
        "feeds/feed.xml",
        title=title,
        page_url=page_url,
        self_url=request.url,
        updated=updated,
        entries=entries,
    )
    return body, 200, {"Content-Type": f"{ATOM}; charset=utf-8"}


def _offering_entry(offering: Offering) -> dict:
    price = (
        f"{offering.price_amount:g} {offering.price_unit}"
        if offering.price_amount is not None
        else vocab.NEGOTIABLE
    )
    return {
        "id": f"urn:zhongshi:offering:{offering.id}",
        "title": offering.title,
        "link": url_for("catalog.offering", offering_id=offering.id, _external=True),
        "updated": _aware(offering.updated_at or offering.created_at),
        "published": _aware(offering.created_at),
        "author": offering.platform.name,
        "categories": list(offering.domains),
        "summary": f"{vocab.OFFERING_KINDS.get(offering.kind, '')} · {offering.platform.city} · {price}\n"
        f"{offering.description[:500]}",
    }


@bp.route("/offerings.atom")
@public_page
def offerings():
    """The newest offerings the search page finds for these parameters (the same rule, sorted by date)."""
    query = search_query(request.args)
    query.pop("scope", None)
    filters = {k: v for k, v in query.items() if k != "q"}
    filters["price_min"], filters["price_max"] = float_arg("price_min"), float_arg("price_max")
    found = matching.search(
        query.get("q", ""), doc_type="offering", filters=filters, sort="newest", per_page=FEED_SIZE
    )
    ids = [hit.obj_id for hit in found.items]
    rows = {
        o.id: o
        for o in db.session.scalars(
            select(Offering)
            .where(Offering.id.in_(ids), Offering.is_public)
            .options(selectinload(Offering.platform))
        )
    }
    entries = [_offering_entry(rows[i]) for i in ids if i in rows]
    title = f"中试资源：{describe(query)}" if query else "中试资源：最新发布"
    page_url = url_for(
        "search.search", _external=True, **{k: v for k, v in query.items() if k in SEARCH_PARAMS}
    )
    return _feed(title, page_url, entries)


@bp.route("/platforms/<int:platform_id>/offerings.atom")
@public_page
def platform_offerings(platform_id: int):
    platform = platforms.get_visible(None, platform_id)
    if platform is None or not platform.is_public:
        abort(404)
    rows = db.session.scalars(
        select(Offering)
        .where(Offering.platform_id == platform.id, Offering.is_public)
        .options(selectinload(Offering.platform))
        .order_by(Offering.created_at.desc(), Offering.id.desc())
        .limit(FEED_SIZE)
    )
    return _feed(
        f"{platform.name} 的中试资源",
        url_for("catalog.platform", platform_id=platform.id, _external=True),
        [_offering_entry(o) for o in rows],
    )


@bp.route("/demands.atom")
@public_page
def demands():
    """Open demands (their public summary), newest first; `?domain=` one domain."""
    domain = request.args.get("domain") or None
    if domain is not None and domain not in vocab.DOMAINS:
        abort(404)
    stmt = select(Demand).where(Demand.is_open).options(selectinload(Demand.organization))
    if domain:
        stmt = stmt.where(Demand.domains.has(domain))
    rows = db.session.scalars(stmt.order_by(Demand.published_at.desc(), Demand.id.desc()).limit(FEED_SIZE))
    entries = [
        {
            "id": f"urn:zhongshi:demand:{d.id}",
            "title": d.title,
            "link": url_for("demands.detail", demand_id=d.id, _external=True),
            "updated": _aware(d.updated_at),
            "published": _aware(d.published_at or d.created_at),
            "author": d.public_name,
            "categories": list(d.domains),
            "summary": f"截止 {d.deadline or '长期'}"
            + (f" · 预算 {d.budget_max:,.0f} 元" if d.budget_max else "")
            + f"\n{d.description[:500]}",
        }
        for d in rows
    ]
    return _feed(
        f"中试需求：{domain or '全部领域'}",
        url_for("demands.public_list", _external=True, domain=domain),
        entries,
    )


@bp.route("/announcements.atom")
@public_page
def announcements():
    """Published notices, newest first; `?kind=` one kind (政策发布, 申报通知 …)."""
    kind = request.args.get("kind") or None
    if kind is not None and kind not in vocab.ANNOUNCEMENT_KINDS:
        abort(404)
    rows = db.session.scalars(
        notices.published(kind=kind)
        .order_by(None)
        .order_by(Announcement.published_at.desc(), Announcement.id.desc())
        .limit(FEED_SIZE)
    )
    entries = [
        {
            "id": f"urn:zhongshi:announcement:{a.id}",
            "title": a.title,
            "link": url_for("announcements.detail", announcement_id=a.id, _external=True),
            "updated": _aware(a.updated_at),
            "published": _aware(a.published_at),
            "author": a.issuer,
            "categories": [a.kind_label],
            "summary": (f"申报截止 {a.deadline}\n" if a.deadline else "") + a.body[:500],
        }
        for a in rows
    ]
    label = vocab.ANNOUNCEMENT_KINDS[kind] if kind else "通知公告"
    return _feed(label, url_for("announcements.index", _external=True, kind=kind), entries)
