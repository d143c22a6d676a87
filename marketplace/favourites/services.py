"""Favourites (收藏) and the side-by-side comparison of up to four offerings.

An item is kept only while its user may see it: a favourite whose offering was paused or whose demand
closed stays stored (it comes back when the item does) but is not listed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .. import vocab
from ..bookings.services import rating_summary
from ..core.errors import DomainError
from ..demands import services as demands
from ..extensions import db
from ..offerings import services as offerings
from ..offerings.models import Offering
from ..platforms import services as platforms
from .models import Favourite

MAX_PER_USER = 500
COMPARE_MAX = 4
#: How each kind of item is found for a user (None: missing or not theirs to see).
VISIBLE = {
    "offering": offerings.get_visible,
    "platform": platforms.get_visible,
    "demand": demands.get_visible,
}


def _item(user, item_type: str, item_id: int):
    if item_type not in VISIBLE:
        raise LookupError(item_type)
    item = VISIBLE[item_type](user, item_id)
    if item is None:
        raise LookupError(item_id)
    return item


def is_favourite(user, item_type: str, item_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(Favourite.id).where(
                Favourite.user_id == user.id, Favourite.item_type == item_type, Favourite.item_id == item_id
            )
        )
        is not None
    )


def toggle(user, item_type: str, item_id: int) -> bool:
    """Keep the item, or let it go if kept; returns whether it is kept now. Only what the user may see."""
    item = _item(user, item_type, item_id)
    found = db.session.scalar(
        select(Favourite).where(
            Favourite.user_id == user.id, Favourite.item_type == item_type, Favourite.item_id == item.id
        )
    )
    if found is not None:
        db.session.delete(found)
        return False
    if (
        db.session.scalar(select(func.count(Favourite.id)).where(Favourite.user_id == user.id))
        >= MAX_PER_USER
    ):
        raise DomainError(("item", f"收藏最多 {MAX_PER_USER} 项，请先取消一些不再需要的收藏。"))
    db.session.add(Favourite(user_id=user.id, item_type=item_type, item_id=item.id))
    return True


def favourites_of(user, item_type: str) -> list:
    """The user's kept items of one kind that they may still see, newest kept first."""
    rows = db.session.scalars(
        select(Favourite.item_id)
        .where(Favourite.user_id == user.id, Favourite.item_type == item_type)
        .order_by(Favourite.id.desc())
    )
    return [item for item_id in rows if (item := VISIBLE[item_type](user, item_id)) is not None]


@dataclass
class Comparison:
    offerings: list[Offering]
    rows: list[tuple[str, list[str]]]  #: (label, one value per offering)


def compare(user, ids: list[int]) -> Comparison:
    """Offerings side by side: platform, city, kind, price and unit, lead time, rating, then every spec
    any of them gives (a dash where one does not)."""
    ids = list(dict.fromkeys(ids))
    if len(ids) > COMPARE_MAX:
        raise DomainError(("o", f"最多同时对比 {COMPARE_MAX} 项资源。"))
    chosen = [o for o in (offerings.get_visible(user, i) for i in ids) if o is not None]
    if len(chosen) < 2:
        raise DomainError(("o", "请至少选择两项可查看的资源进行对比。"))
    ratings = [rating_summary(offering_id=o.id) for o in chosen]
    rows = [
        ("平台", [o.platform.name for o in chosen]),
        ("城市", [o.platform.city for o in chosen]),
        ("类型", [vocab.OFFERING_KINDS.get(o.kind, o.kind) for o in chosen]),
        ("价格", [_price(o) for o in chosen]),
        ("交付周期", [f"{o.lead_time_days} 天" if o.lead_time_days is not None else "—" for o in chosen]),
        (
            "评分",
            [
                f"{r['average']:.1f} 分（{r['count']} 条评价）" if r["average"] is not None else "暂无评价"
                for r in ratings
            ],
        ),
        ("领域", ["、".join(o.domains) or "—" for o in chosen]),
    ]
    keys = list(dict.fromkeys(key for o in chosen for key in (o.specs or {})))
    rows += [(key, [str((o.specs or {}).get(key, "—")) for o in chosen]) for key in keys]
    return Comparison(chosen, rows)


def _price(offering: Offering) -> str:
    if offering.price_amount is None:
        return vocab.NEGOTIABLE
    unit = vocab.PRICE_UNITS.get(offering.price_unit, offering.price_unit or "")
    return f"{offering.price_amount:,.2f} {unit}"
