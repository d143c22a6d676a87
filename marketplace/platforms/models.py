"""Platforms and their approval workflow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import Organization
from ..core.models import LabelList, UTCDateTime, new_ref, utcnow
from ..core.state import Workflow
from ..extensions import db

#: Platform approval: draft → submitted → approved | returned | rejected; approved ⇄ suspended.
PLATFORM_WORKFLOW = Workflow(
    object_type="platform",
    labels=vocab.PLATFORM_STATUSES,
    transitions={
        ("draft", "submit"): "submitted",
        ("returned", "submit"): "submitted",
        ("submitted", "approve"): "approved",
        ("submitted", "return"): "returned",
        ("submitted", "reject"): "rejected",
        ("approved", "suspend"): "suspended",
        ("suspended", "reinstate"): "approved",
    },
)


class Platform(db.Model):
    __tablename__ = "platforms"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("plat"))  #: interchange key
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20), index=True)
    city: Mapped[str] = mapped_column(String(20), index=True)
    domains: Mapped[list[str]] = mapped_column(LabelList, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    capabilities: Mapped[str] = mapped_column(Text, default="")
    certifications: Mapped[list[str]] = mapped_column(LabelList, default=list)
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    sharing_rules: Mapped[str] = mapped_column(Text, default="")  #: 开放共享规则
    fee_standard: Mapped[str] = mapped_column(Text, default="")  #: 收费标准
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: start of the current review wait
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()

    @property
    def is_public(self) -> bool:
        return self.status == "approved"

    @property
    def status_label(self) -> str:
        return vocab.PLATFORM_STATUSES[self.status]

    @property
    def is_editable(self) -> bool:
        """Operators edit drafts and returned platforms; approved ones too (changes stay public)."""
        return self.status in ("draft", "returned", "approved", "suspended")
