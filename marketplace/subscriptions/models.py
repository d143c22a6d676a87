"""Subscriptions (saved searches, followed domains, cities and platforms, and the matcher's default
pushes) and the items they delivered: one row per user and item, so nobody gets an item twice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import User
from ..core.models import StrEnumColumn, UTCDateTime, utcnow
from ..extensions import db


class SubscriptionKind(StrEnum):
    SEARCH = "search"  #: a saved search: the search page's parameters
    DOMAIN = "domain"  #: new offerings of a domain
    CITY = "city"  #: new offerings of platforms in a city
    PLATFORM = "platform"  #: a platform's new offerings
    DEMAND_MATCHES = "demand_matches"  #: a firm: new offerings matching its open demands (default on)
    OFFERING_MATCHES = "offering_matches"  #: an operator: new demands matching its offerings (default on)
    ANNOUNCEMENTS = "announcements"  #: 通知公告 as they are published (target: a kind, or "" for all)
    EVENTS = "events"  #: events as they are published (target: a kind, or "" for all)


#: The kinds every firm / operator has without asking; a row exists once the user changes it or it delivers.
MATCH_KINDS = (SubscriptionKind.DEMAND_MATCHES, SubscriptionKind.OFFERING_MATCHES)
#: The kinds that follow publications (pushed when one is published, not by the outbox's scan).
PUBLICATION_KINDS = (SubscriptionKind.ANNOUNCEMENTS, SubscriptionKind.EVENTS)


class Frequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    NONE = "none"  #: in the app only, no mail


class Subscription(db.Model):
    __tablename__ = "subscriptions"
    __change_scopes__ = (("user", "user_id"),)  #: the user's own pages (core.changes)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[SubscriptionKind] = mapped_column(StrEnumColumn(SubscriptionKind))
    #: what it follows: the saved search's canonical query string, the domain, the city or the platform id
    target: Mapped[str] = mapped_column(String(500), default="")
    name: Mapped[str] = mapped_column(String(100))
    #: a saved search's parameters ({"q", "scope", filters…}), as the search page reads them
    query: Mapped[dict | None] = mapped_column(JSON)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    threshold: Mapped[float | None] = mapped_column(Float)  #: the matcher's kinds: the least score pushed
    frequency: Mapped[Frequency] = mapped_column(StrEnumColumn(Frequency), default=Frequency.DAILY)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "kind", "target"),)

    @property
    def kind_label(self) -> str:
        return vocab.SUBSCRIPTION_KINDS[self.kind]

    @property
    def frequency_label(self) -> str:
        return vocab.MAIL_FREQUENCIES[self.frequency]


class SubscriptionHit(db.Model):
    """An item delivered to a user by one of their subscriptions: its notice in the app, and its mail
    (`mailed_at`: sent at once, or in the next digest; it stays empty for in-app-only subscriptions).
    Unique per user and item: a second subscription, a later change or a second scan never repeats it."""

    __tablename__ = "subscription_hits"
    __change_scopes__ = (("user", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    item_type: Mapped[str] = mapped_column(String(20))  #: offering | demand | announcement | event
    item_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(String(300), default="")  #: why: the match score, the search
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[Subscription] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "item_type", "item_id"),
        Index("ix_subscription_hits_unmailed", "mailed_at", "user_id"),
    )
