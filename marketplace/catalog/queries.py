"""Read-side queries for the public catalogue (only approved platforms and active offerings)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from .. import vocab
from ..core.models import has_label
from ..extensions import db
from ..offerings.models import Offering
from ..platforms.models import Platform


def public_offerings() -> Select:
    """Publicly visible offerings, joined to their platform for filters and sorting."""
    return select(Offering).join(Offering.platform).where(Offering.is_public)


OFFERING_SORTS = {
    "newest": (Offering.created_at.desc(), Offering.id.desc()),
    "price_asc": (Offering.price_amount.is_(None), Offering.price_amount.asc(), Offering.id),
    "price_desc": (Offering.price_amount.is_(None), Offering.price_amount.desc(), Offering.id),
    "title": (Offering.title, Offering.id),
}


@dataclass
class OfferingFilters:
    domain: str | None = None
    city: str | None = None
    kind: str | None = None
    level: str | None = None
    certification: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    platform_id: int | None = None
    sort: str = "newest"


def filter_offerings(f: OfferingFilters) -> Select:
    stmt = public_offerings()
    if f.domain in vocab.DOMAINS:
        stmt = stmt.where(has_label(Offering.domains, f.domain))
    if f.city in vocab.ALL_CITIES:
        stmt = stmt.where(Platform.city == f.city)
    if f.kind in vocab.OFFERING_KINDS:
        stmt = stmt.where(Offering.kind == f.kind)
    if f.level in vocab.PLATFORM_LEVELS:
        stmt = stmt.where(Platform.level == f.level)
    if f.certification:
        stmt = stmt.where(has_label(Platform.certifications, f.certification[:40]))
    if f.price_min is not None:
        stmt = stmt.where(Offering.price_amount >= f.price_min)
    if f.price_max is not None:
        stmt = stmt.where(Offering.price_amount <= f.price_max)
    if f.platform_id:
        stmt = stmt.where(Offering.platform_id == f.platform_id)
    return stmt.order_by(*OFFERING_SORTS.get(f.sort, OFFERING_SORTS["newest"]))


PLATFORM_SORTS = {
    "newest": (Platform.created_at.desc(), Platform.id.desc()),
    "name": (Platform.name, Platform.id),
    "level": (Platform.level, Platform.id),
}


@dataclass
class PlatformFilters:
    domain: str | None = None
    city: str | None = None
    level: str | None = None
    certification: str | None = None
    sort: str = "newest"


def filter_platforms(f: PlatformFilters) -> Select:
    stmt = select(Platform).where(Platform.is_public)
    if f.domain in vocab.DOMAINS:
        stmt = stmt.where(has_label(Platform.domains, f.domain))
    if f.city in vocab.ALL_CITIES:
        stmt = stmt.where(Platform.city == f.city)
    if f.level in vocab.PLATFORM_LEVELS:
        stmt = stmt.where(Platform.level == f.level)
    if f.certification:
        stmt = stmt.where(has_label(Platform.certifications, f.certification[:40]))
    return stmt.order_by(*PLATFORM_SORTS.get(f.sort, PLATFORM_SORTS["newest"]))


def counts_by_domain() -> list[tuple[str, int, int]]:
    """(domain, approved platforms, public offerings) for each domain, in vocabulary order."""
    rows = []
    for domain in vocab.DOMAINS:
        n_platforms = db.session.scalar(
            select(func.count(Platform.id)).where(Platform.is_public, has_label(Platform.domains, domain))
        )
        n_offerings = db.session.scalar(
            select(func.count()).select_from(
                public_offerings().where(has_label(Offering.domains, domain)).subquery()
            )
        )
        rows.append((domain, n_platforms or 0, n_offerings or 0))
    return rows


def totals() -> dict[str, int]:
    return {
        "platforms": db.session.scalar(select(func.count(Platform.id)).where(Platform.is_public)) or 0,
        "offerings": db.session.scalar(select(func.count()).select_from(public_offerings().subquery())) or 0,
        "cities": db.session.scalar(
            select(func.count(func.distinct(Platform.city))).where(Platform.is_public)
        ) or 0,
    }
