"""Read-side queries for the public catalogue (only approved platforms and active offerings)."""

from __future__ import annotations

import functools
from dataclasses import astuple, dataclass

from sqlalchemy import Select, case, func, literal_column, select, union_all
from sqlalchemy.orm import joinedload, lazyload, selectinload

from .. import vocab
from ..attachments.models import load_attachments
from ..core.pagination import Page, paginate
from ..extensions import db
from ..matching.outbox import memo
from ..offerings.models import Offering
from ..platforms.models import Platform


def public_offerings() -> Select:
    """Publicly visible offerings, joined to their platform for filters and sorting."""
    return select(Offering).join(Offering.platform).where(Offering.is_public)


@functools.cache
def _offering_cards() -> Select:
    """`public_offerings()` loading what a card shows with each offering: its platform, in the same
    query; the pictures and labels are loaded for a whole page by `load_cards`. Built once (a statement
    never changes; each list adds its conditions to a copy)."""
    platform = joinedload(Offering.platform, innerjoin=True)
    return public_offerings().options(
        lazyload(Offering.domains_rows),
        platform.lazyload(Platform.domains_rows),
        platform.lazyload(Platform.certifications_rows),
    )


def load_cards(offerings: list[Offering]) -> None:
    """What the offerings' cards show beside their columns, for a whole page: the offerings' domains,
    and their own and their platforms' pictures in one query."""
    Offering.domains.load(offerings)
    load_attachments([*offerings, *{o.platform for o in offerings}])


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

    def key(self) -> tuple:
        """What names the list these filters select (a key of cached totals and pages)."""
        return astuple(self)


def filter_offerings(f: OfferingFilters) -> Select:
    stmt = _offering_cards()
    if f.domain in vocab.DOMAINS:
        stmt = stmt.where(Offering.domains.has(f.domain))
    if f.city in vocab.ALL_CITIES:
        stmt = stmt.where(Platform.city == f.city)
    if f.kind in vocab.OFFERING_KINDS:
        stmt = stmt.where(Offering.kind == f.kind)
    if f.level in vocab.PLATFORM_LEVELS:
        stmt = stmt.where(Platform.level == f.level)
    if f.certification:
        stmt = stmt.where(Platform.certifications.has(f.certification[:40]))
    if f.price_min is not None:
        stmt = stmt.where(Offering.price_amount >= f.price_min)
    if f.price_max is not None:
        stmt = stmt.where(Offering.price_amount <= f.price_max)
    if f.platform_id:
        stmt = stmt.where(Offering.platform_id == f.platform_id)
    return stmt.order_by(*OFFERING_SORTS.get(f.sort, OFFERING_SORTS["newest"]))


def offerings_page(f: OfferingFilters, page: int, per_page: int, *, clamp: bool = False) -> Page:
    """A page of `filter_offerings(f)` with what its cards show; its total and ids are kept at the
    search version."""
    key = ("offerings", f.key())
    found = paginate(filter_offerings(f), page, per_page, clamp=clamp, key=key, remember=memo())
    load_cards(found.items)
    return found


PLATFORM_SORTS = {
    "newest": (Platform.created_at.desc(), Platform.id.desc()),
    "name": (Platform.name, Platform.id),
    # 国家级 → 省级 → 市级 → 企业自建, the order of vocab.PLATFORM_LEVELS (not the characters' order)
    "level": (
        case({level: rank for rank, level in enumerate(vocab.PLATFORM_LEVELS)}, value=Platform.level),
        Platform.id,
    ),
}


@dataclass
class PlatformFilters:
    domain: str | None = None
    city: str | None = None
    level: str | None = None
    certification: str | None = None
    sort: str = "newest"

    def key(self) -> tuple:
        return astuple(self)


def filter_platforms(f: PlatformFilters) -> Select:
    stmt = select(Platform).where(Platform.is_public)
    if f.domain in vocab.DOMAINS:
        stmt = stmt.where(Platform.domains.has(f.domain))
    if f.city in vocab.ALL_CITIES:
        stmt = stmt.where(Platform.city == f.city)
    if f.level in vocab.PLATFORM_LEVELS:
        stmt = stmt.where(Platform.level == f.level)
    if f.certification:
        stmt = stmt.where(Platform.certifications.has(f.certification[:40]))
    # the cards' photos, logos and organisations, for a whole page at once
    stmt = stmt.options(selectinload(Platform.attachments), selectinload(Platform.organization))
    return stmt.order_by(*PLATFORM_SORTS.get(f.sort, PLATFORM_SORTS["newest"]))


def platforms_page(f: PlatformFilters, page: int, per_page: int, *, clamp: bool = False) -> Page:
    """A page of `filter_platforms(f)`; its total and ids are kept at the search version."""
    key = ("platforms", f.key())
    return paginate(filter_platforms(f), page, per_page, clamp=clamp, key=key, remember=memo())


def counts_by_domain() -> list[tuple[str, int, int]]:
    """(domain, approved platforms, public offerings) for each domain, in vocabulary order.

    One statement: the platform counts and the offering counts grouped by label, joined by UNION ALL."""
    platform_row, offering_row = Platform.domains.row, Offering.domains.row
    public_ids = public_offerings().with_only_columns(Offering.id)
    platforms = (
        select(platform_row.value, func.count().label("platforms"), literal_column("0").label("offerings"))
        .join(Platform, Platform.id == platform_row.owner_id)
        .where(Platform.is_public)
        .group_by(platform_row.value)
    )
    offerings = (
        select(offering_row.value, literal_column("0"), func.count())
        .where(offering_row.owner_id.in_(public_ids))
        .group_by(offering_row.value)
    )
    counts = {domain: [0, 0] for domain in vocab.DOMAINS}
    for domain, n_platforms, n_offerings in db.session.execute(union_all(platforms, offerings)):
        if domain in counts:
            counts[domain][0] += n_platforms
            counts[domain][1] += n_offerings
    return [(domain, n_platforms, n_offerings) for domain, (n_platforms, n_offerings) in counts.items()]


def totals() -> dict[str, int]:
    return {
        "platforms": db.session.scalar(select(func.count(Platform.id)).where(Platform.is_public)) or 0,
        "offerings": db.session.scalar(select(func.count()).select_from(public_offerings().subquery())) or 0,
        "cities": db.session.scalar(
            select(func.count(func.distinct(Platform.city))).where(Platform.is_public)
        )
        or 0,
    }
