"""Offerings of four kinds and their attachments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..core.models import LabelList, UTCDateTime, new_ref, utcnow
from ..extensions import db
from ..platforms.models import Platform

#: Columns that only make sense for one kind of offering.
KIND_FIELDS = {
    "equipment": ("model", "capacity", "quantity"),
    "site": ("area_m2", "cleanroom_class", "is_explosion_proof", "allows_hazardous_chemicals"),
    "service": ("service_type",),
    "process": ("scale", "output"),
}


class Offering(db.Model):
    __tablename__ = "offerings"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("off"))  #: interchange key
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  #: equipment | site | service | process
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    domains: Mapped[list[str]] = mapped_column(LabelList, default=list)
    specs: Mapped[dict] = mapped_column(JSON, default=dict)  #: key specs, name → value
    price_amount: Mapped[float | None] = mapped_column(Float, index=True)  #: yuan; None when 面议
    price_unit: Mapped[str | None] = mapped_column(String(10))  #: hour | day | batch | sample | month | project
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    is_bookable: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)  #: active | paused
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
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="offering", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    @property
    def is_negotiable(self) -> bool:
        return self.price_amount is None

    @property
    def price_text(self) -> str:
        return vocab.price_label(self.price_amount, self.price_unit, self.is_negotiable)

    @property
    def kind_label(self) -> str:
        return vocab.OFFERING_KINDS[self.kind]

    @property
    def is_public(self) -> bool:
        return self.status == "active" and self.platform.status == "approved"


class Attachment(db.Model):
    """An image or PDF stored under a generated name outside static/."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))  #: the uploader's name, for display only
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offering: Mapped[Offering] = relationship(back_populates="attachments")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
