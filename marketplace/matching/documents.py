"""Turn database rows into index documents. Only public objects become documents."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..core.timeutil import local_today
from ..demands.models import Demand
from ..offerings.models import Offering
from ..platforms.models import Platform
from . import analysis

NEGOTIABLE_SORT = 10**15  #: price key (fen) of 面议: sorts after every priced offering


def price_key(amount: float | None) -> int:
    """Price as whole fen for the sortable index column (Whoosh's float columns are broken)."""
    return NEGOTIABLE_SORT if amount is None else int(round(amount * 100))


def price_fields(amount: float | None) -> dict:
    """Index columns for a price: ascending key, descending key (面议 last in both), display value."""
    key = price_key(amount)
    return {"price": key, "price_desc": NEGOTIABLE_SORT if amount is None else -key, "price_yuan": amount}


def content_text(title: str, specs: str, body: str, context: str) -> str:
    """The searchable text: title ×3, specs ×2, description and context once."""
    return " ".join([title] * 3 + [specs] * 2 + [body, context])


def doc_key(doc_type: str, obj_id: int) -> str:
    return f"{doc_type}:{obj_id}"


def _stamp(*moments) -> str:
    return max(m for m in moments if m is not None).isoformat()


def _specs_text(specs: dict | None) -> str:
    return " ".join(f"{k} {v}" for k, v in (specs or {}).items())


def offering_doc(o: Offering) -> dict:
    p = o.platform
    kind_bits = " ".join(str(v) for v in (o.model, o.capacity, o.cleanroom_class, o.service_type, o.scale, o.output) if v)
    specs = f"{_specs_text(o.specs)} {kind_bits}"
    everything = f"{o.title} {specs} {o.description}"
    return {
        "id": doc_key("offering", o.id), "doc_type": "offering", "obj_id": o.id,
        "version": _stamp(o.updated_at, p.updated_at),
        "title": o.title, "specs": specs, "body": o.description or "",
        "content": content_text(o.title, specs, o.description or "", f"{p.name} {' '.join(p.certifications)}"),
        "domain": ",".join(o.domains), "kind": o.kind, "city": p.city, "level": p.level,
        "certs": ",".join(sorted(analysis.certifications(f"{everything} {' '.join(p.certifications)}"))),
        **price_fields(o.price_amount),
        "price_unit": o.price_unit or "", "created": int(o.created_at.timestamp()),
        "platform_id": p.id, "platform_name": p.name, "ref": o.ref or "",
        "volumes": analysis.volumes_litres(everything), "masses": analysis.masses_tonnes(everything),
    }


def platform_doc(p: Platform) -> dict:
    return {
        "id": doc_key("platform", p.id), "doc_type": "platform", "obj_id": p.id, "version": _stamp(p.updated_at),
        "title": p.name, "specs": p.capabilities or "", "body": p.description or "",
        "content": content_text(p.name, p.capabilities or "", p.description or "", " ".join(p.certifications)), "domain": ",".join(p.domains), "kind": "", "city": p.city,
        "level": p.level, "certs": ",".join(sorted(analysis.certifications(" ".join(p.certifications)))),
        **price_fields(None), "price_unit": "", "created": int(p.created_at.timestamp()),
        "platform_id": p.id, "platform_name": p.name, "ref": p.ref or "", "volumes": [], "masses": [],
    }


def demand_doc(d: Demand) -> dict:
    text = f"{d.title} {d.description}"
    return {
        "id": doc_key("demand", d.id), "doc_type": "demand", "obj_id": d.id, "version": _stamp(d.updated_at),
        "title": d.title, "specs": "", "body": d.description or "",
        "content": content_text(d.title, "", d.description or "", d.organization.name),
        "domain": ",".join(d.domains), "kind": ",".join(d.kinds), "city": ",".join(d.city_preference), "level": "",
        "certs": ",".join(sorted(analysis.certifications(text))),
        **price_fields(d.budget_max), "price_unit": "",
        "created": int((d.published_at or d.created_at).timestamp()),
        "deadline": int(d.deadline.strftime("%Y%m%d")) if d.deadline else 99991231,
        "platform_id": 0, "platform_name": d.organization.name, "ref": d.ref or "",
        "volumes": analysis.volumes_litres(text), "masses": analysis.masses_tonnes(text),
    }


def _public_offerings(session: Session, ids: Iterable[int] | None = None, platform_ids: Iterable[int] | None = None):
    stmt = (select(Offering).join(Offering.platform).options(joinedload(Offering.platform))
            .where(Offering.status == "active", Platform.status == "approved"))
    if ids is not None:
        stmt = stmt.where(Offering.id.in_(list(ids)))
    if platform_ids is not None:
        stmt = stmt.where(Offering.platform_id.in_(list(platform_ids)))
    return session.scalars(stmt.order_by(Offering.id))


def _open_demands(session: Session, ids: Iterable[int] | None = None):
    stmt = (select(Demand).options(joinedload(Demand.organization))
            .where(Demand.status == "open", (Demand.deadline.is_(None)) | (Demand.deadline >= local_today())))
    if ids is not None:
        stmt = stmt.where(Demand.id.in_(list(ids)))
    return session.scalars(stmt.order_by(Demand.id))


def all_documents(session: Session) -> Iterator[dict]:
    """Every document the index should hold, straight from the database."""
    for p in session.scalars(select(Platform).where(Platform.status == "approved").order_by(Platform.id)):
        yield platform_doc(p)
    for o in _public_offerings(session):
        yield offering_doc(o)
    for d in _open_demands(session):
        yield demand_doc(d)


def documents_for(session: Session, keys: list[tuple[str, int]]) -> tuple[list[dict], set[str]]:
    """For changed (doc_type, id) pairs: the documents to (re)write, and every key they touch.

    A platform change touches the platform and all its offerings (name, city, level and approval
    are part of each offering's document)."""
    by_type: dict[str, set[int]] = {"offering": set(), "platform": set(), "demand": set()}
    for doc_type, obj_id in keys:
        by_type.setdefault(doc_type, set()).add(obj_id)
    touched = {doc_key(t, i) for t, ids in by_type.items() for i in ids}
    docs: list[dict] = []
    if by_type["platform"]:
        platform_ids = sorted(by_type["platform"])
        touched |= {doc_key("offering", i) for i in session.scalars(
            select(Offering.id).where(Offering.platform_id.in_(platform_ids)))}
        docs += [platform_doc(p) for p in session.scalars(
            select(Platform).where(Platform.id.in_(platform_ids), Platform.status == "approved"))]
        docs += [offering_doc(o) for o in _public_offerings(session, platform_ids=platform_ids)]
    offering_ids = by_type["offering"]
    if offering_ids:
        seen = {d["id"] for d in docs}
        docs += [d for d in map(offering_doc, _public_offerings(session, ids=offering_ids)) if d["id"] not in seen]
    if by_type["demand"]:
        docs += [demand_doc(d) for d in _open_demands(session, ids=by_type["demand"])]
    return docs, touched
