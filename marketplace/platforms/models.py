"""Platforms and their approval workflow."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import Organization
from ..attachments.models import Attachment, HasAttachments
from ..core import changes
from ..core.labels import Labels
from ..core.models import StrEnumColumn, UTCDateTime, new_ref, utcnow
from ..core.state import Workflow
from ..extensions import db
from ..matching.registry import Searchable


class PlatformStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


#: What a platform must state before it is reviewed (and approved): the review reads these, and
#: the public page shows them.
REVIEW_REQUIRED = {
    "description": "平台简介",
    "capabilities": "核心能力",
    "sharing_rules": "开放共享规则",
    "fee_standard": "收费标准",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}


def missing_for_review(platform) -> list[str]:
    """Labels of the fields still empty that a review needs."""
    return [label for field, label in REVIEW_REQUIRED.items() if not (getattr(platform, field) or "").strip()]


def _complete_for_review(platform, _by):
    """Guard of submit and approve: an incomplete platform is neither submitted nor approved."""
    missing = missing_for_review(platform)
    return ("status", f"请先补充：{'、'.join(missing)}。") if missing else None


S = PlatformStatus
#: Platform approval: draft → submitted → approved | returned | rejected; approved ⇄ suspended.
PLATFORM_WORKFLOW = Workflow(
    object_type="platform",
    states=PlatformStatus,
    labels=vocab.PLATFORM_STATUSES,
    transitions={
        (S.DRAFT, "submit"): S.SUBMITTED,
        (S.RETURNED, "submit"): S.SUBMITTED,
        (S.SUBMITTED, "approve"): S.APPROVED,
        (S.SUBMITTED, "return"): S.RETURNED,
        (S.SUBMITTED, "reject"): S.REJECTED,
        (S.APPROVED, "suspend"): S.SUSPENDED,
        (S.SUSPENDED, "reinstate"): S.APPROVED,
    },
    guards={"submit": (_complete_for_review,), "approve": (_complete_for_review,)},
    action_labels={
        "submit": "提交审核",
        "approve": "通过",
        "return": "退回修改",
        "reject": "不予通过",
        "suspend": "暂停",
        "reinstate": "恢复",
    },
)
#: Decisions an administrator takes (the operator's only action is `submit`).
REVIEW_ACTIONS = ("approve", "return", "reject", "suspend", "reinstate")
#: Decisions that need a reason the operator will read.
REASON_REQUIRED = ("return", "reject", "suspend")


class Platform(Searchable, HasAttachments, db.Model):
    __tablename__ = "platforms"
    __search_type__ = "platform"
    __attachment_owner__ = "platform"  #: logo, photos (public once approved), certificate scans (private)
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("plat"))  #: interchange key
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20), index=True)
    city: Mapped[str] = mapped_column(String(20), index=True)
    domains = Labels("platform_domains")
    description: Mapped[str] = mapped_column(Text, default="")
    capabilities: Mapped[str] = mapped_column(Text, default="")
    certifications = Labels("platform_certifications")
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    sharing_rules: Mapped[str] = mapped_column(Text, default="")  #: 开放共享规则
    fee_standard: Mapped[str] = mapped_column(Text, default="")  #: 收费标准
    status: Mapped[PlatformStatus] = mapped_column(StrEnumColumn(PlatformStatus), default=S.DRAFT, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: start of the current review wait
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()

    @hybrid_property
    def is_public(self) -> bool:
        """The one definition of an approved, publicly listed platform (Python and SQL)."""
        return self.status == S.APPROVED

    @property
    def status_label(self) -> str:
        return vocab.PLATFORM_STATUSES[self.status]

    @property
    def logo(self) -> Attachment | None:
        return self.first_image("logo")

    @property
    def photos(self) -> list[Attachment]:
        return [a for a in self.attachments_for("photo") if a.is_image]

    @property
    def cover(self) -> Attachment | None:
        """The picture of the platform's card: its first photo, else its logo."""
        return self.first_image("photo", "logo")

    @property
    def is_editable(self) -> bool:
        """Operators edit drafts and returned platforms; approved ones too (changes stay public)."""
        return self.status in (S.DRAFT, S.RETURNED, S.APPROVED, S.SUSPENDED)

    @property
    def is_held_back(self) -> bool:
        """Returned, rejected or suspended: the operator should read the administrators' reason."""
        return self.status in (S.RETURNED, S.REJECTED, S.SUSPENDED)

    @property
    def is_under_review(self) -> bool:
        return self.status == S.SUBMITTED

    @property
    def can_submit(self) -> bool:
        return PLATFORM_WORKFLOW.can(self, "submit")


changes.register_owner("platform", Platform)
