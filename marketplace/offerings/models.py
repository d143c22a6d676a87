"""Offerings of four kinds (with attachments through `HasAttachments`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, and_, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..attachments.models import HasAttachments
from ..core.labels import Labels
from ..core.models import StrEnumColumn, UTCDateTime, new_ref, utcnow
from ..core.numbers import MONEY_MAX, Bounds
from ..core.state import Workflow
from ..extensions import db
from ..matching.registry import Searchable
from ..platforms.models import Platform


class OfferingStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  #: taken down by its operator, who may resume it
    HELD = "held"  #: taken down by an administrator (moderation); only an administrator lifts it


#: An offering is shown (active) or taken off the catalogue and search: paused by its operator, or
#: held by an administrator. Lifting a hold hands the offering back to its operator, paused: only
#: the operator puts it back on show. Every change is audited by the workflow.
OFFERING_WORKFLOW = Workflow(
    object_type="offering",
    states=OfferingStatus,
    labels=vocab.OFFERING_STATUSES,
    transitions={
        (OfferingStatus.ACTIVE, "pause"): OfferingStatus.PAUSED,
        (OfferingStatus.PAUSED, "resume"): OfferingStatus.ACTIVE,
        (OfferingStatus.ACTIVE, "hold"): OfferingStatus.HELD,
        (OfferingStatus.PAUSED, "hold"): OfferingStatus.HELD,
        (OfferingStatus.HELD, "release"): OfferingStatus.PAUSED,
    },
    action_labels={"pause": "暂停", "resume": "恢复", "hold": "暂停展示", "release": "解除暂停"},
)
#: What the offering's operators do, and what administrators do (moderation).
OPERATOR_ACTIONS = ("pause", "resume")
MODERATION_ACTIONS = ("hold", "release")
#: Actions that need a reason the operator will read.
REASON_REQUIRED = ("hold",)

#: Columns that only make sense for one kind of offering.
KIND_FIELDS = {
    "equipment": ("model", "capacity", "quantity"),
    "site": ("area_m2", "cleanroom_class", "is_explosion_proof", "allows_hazardous_chemicals"),
    "service": ("service_type",),
    "process": ("scale", "output"),
}
#: Every kind-specific column, in the order above.
ALL_KIND_FIELDS = tuple(f for fields in KIND_FIELDS.values() for f in fields)

#: Every number of an offering and its bounds: the service refuses anything else, and the form and
#: the API schemas check the same bounds (core/numbers.py).
PRICE = Bounds("价格", 0, MONEY_MAX, "元")
NUMBERS = {
    "price_amount": PRICE,
    "lead_time_days": Bounds("交付周期", 0, 3650, " 天", integer=True),
    "quantity": Bounds("数量", 1, 10_000, " 台/套", integer=True),
    "area_m2": Bounds("面积", 0.1, 10_000_000, " ㎡"),
    "booking_capacity": Bounds("可同时预约数量", 1, 1000, " 台/套", integer=True),
    "min_notice_hours": Bounds("最短提前预约时间", 0, 24 * 365, " 小时", integer=True),
    "max_advance_days": Bounds("最长提前预约天数", 1, 730, " 天", integer=True),
    "min_hours": Bounds("最短预约时长", 0.5, 24 * 366, " 小时"),
    "max_hours": Bounds("最长预约时长", 0.5, 24 * 366, " 小时"),
}
#: The booking settings of a bookable offering (bookings/availability.py reads them).
BOOKING_FIELDS = (
    "is_bookable",
    "booking_capacity",
    "auto_confirm",
    "min_notice_hours",
    "max_advance_days",
    "min_hours",
    "max_hours",
    "opening_hours",
)


def default_opening_hours(kind: str, price_unit: str | None) -> list[dict]:
    """Opening hours of a bookable offering whose operator set none (imports, older records): sites and
    offerings rented by the day or month around the clock every day, others working days 08:30–17:30."""
    if kind == "site" or price_unit in ("day", "month"):
        return [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]
    return [{"weekday": d, "start": "08:30", "end": "17:30"} for d in range(5)]


class Offering(Searchable, HasAttachments, db.Model):
    __tablename__ = "offerings"
    __search_type__ = "offering"
    __attachment_owner__ = "offering"
    __table_args__ = (
        # The public list, newest first: its pages and its count read this index alone (the platform
        # id checks the platform's approval), never the rows.
        Index("ix_offerings_status_created", "status", "created_at", "id", "platform_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("off"))  #: interchange key
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  #: equipment | site | service | process
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    domains = Labels("offering_domains")
    specs: Mapped[dict] = mapped_column(JSON, default=dict)  #: key specs, name → value
    price_amount: Mapped[float | None] = mapped_column(Float, index=True)  #: yuan; None when 面议
    price_unit: Mapped[str | None] = mapped_column(
        String(10)
    )  #: hour | day | batch | sample | month | project
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    # booking settings (bookable equipment, sites and process lines)
    is_bookable: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Identical units that can be booked at once (e.g. 2 reactors); not the free-text `capacity`.
    booking_capacity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: Requests are accepted at once (即时预约) instead of waiting for an operator.
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    max_advance_days: Mapped[int] = mapped_column(Integer, default=180, server_default="180")
    min_hours: Mapped[float | None] = mapped_column(Float)
    max_hours: Mapped[float | None] = mapped_column(Float)
    #: Weekly opening: [{"weekday": 0-6 (Monday 0), "start": "HH:MM", "end": "HH:MM" ("24:00" allowed)}],
    #: local time; several intervals per day allowed. Empty: the default (`effective_opening_hours`).
    opening_hours: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[OfferingStatus] = mapped_column(
        StrEnumColumn(OfferingStatus, 10), default=OfferingStatus.ACTIVE, index=True
    )
    # equipment
    model: Mapped[str | None] = mapped_column(String(100))
    capacity: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int | None] = mapped_column(Integer)
    # site
    area_m2: Mapped[float | None] = mapped_column(Float)
    cleanroom_class: Mapped[str | None] = mapped_column(String(30))
    is_explosion_proof: Mapped[bool | None] = mapped_column(Boolean)
    allows_hazardous_chemicals: Mapped[bool | None] = mapped_column(Boolean)
    # service
    service_type: Mapped[str | None] = mapped_column(String(20))
    # process
    scale: Mapped[str | None] = mapped_column(String(100))
    output: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    platform: Mapped[Platform] = relationship()

    @property
    def effective_opening_hours(self) -> list[dict]:
        """The opening hours bookings follow: the operator's, or the default for its kind and unit."""
        return self.opening_hours or default_opening_hours(self.kind, self.price_unit)

    @property
    def is_negotiable(self) -> bool:
        return self.price_amount is None

    @property
    def price_text(self) -> str:
        return vocab.price_label(self.price_amount, self.price_unit, self.is_negotiable)

    @property
    def kind_label(self) -> str:
        return vocab.OFFERING_KINDS[self.kind]

    @hybrid_property
    def is_public(self) -> bool:
        """The one definition of a publicly visible offering: active, on an approved platform."""
        return self.status == OfferingStatus.ACTIVE and self.platform.is_public

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls):
        return and_(cls.status == OfferingStatus.ACTIVE, cls.platform.has(Platform.is_public))

    @property
    def is_paused(self) -> bool:
        return self.status == OfferingStatus.PAUSED

    @property
    def is_held(self) -> bool:
        """Held by an administrator: its operator cannot resume it."""
        return self.status == OfferingStatus.HELD

    @property
    def status_label(self) -> str:
        return vocab.OFFERING_STATUSES[self.status]
