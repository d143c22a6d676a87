"""Inquiries from firms to platforms, and proposals (方案与报价) and quotes from platforms to firms.

An *inquiry* is a firm's question to a platform about an offering, optionally about one of its
demands (whose confidential part it then opens, after the platform's 保密承诺 when the firm asks for
one). A *proposal* answers an open demand on the platform's own initiative; a *quote* is a proposal
that answers an inquiry. Accepting either creates an order (bookings.models.Booking, kind 'order')."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import vocab
from ..accounts.models import Organization, User
from ..attachments.models import HasAttachments
from ..core.models import StrEnumColumn, UTCDateTime, new_ref, utcnow
from ..core.state import Workflow
from ..demands.models import Demand
from ..extensions import db
from ..offerings.models import NUMBERS as OFFERING_NUMBERS
from ..offerings.models import Offering
from ..platforms.models import Platform


class InquiryStatus(StrEnum):
    OPEN = "open"  #: sent, waiting for the platform
    ACCEPTED = "accepted"  #: the platform took it up: both sides see each other's contact person
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  #: the firm took it back before an answer
    CLOSED = "closed"  #: finished by either side after acceptance


I = InquiryStatus  # noqa: E741
INQUIRY_WORKFLOW = Workflow(
    object_type="inquiry",
    states=InquiryStatus,
    labels=vocab.INQUIRY_STATUSES,
    transitions={
        (I.OPEN, "accept"): I.ACCEPTED,
        (I.OPEN, "decline"): I.DECLINED,
        (I.OPEN, "withdraw"): I.WITHDRAWN,
        (I.ACCEPTED, "close"): I.CLOSED,
    },
    action_labels=vocab.INQUIRY_ACTIONS,
)
INQUIRY_FIRM_ACTIONS = ("withdraw", "close")
INQUIRY_PLATFORM_ACTIONS = ("accept", "decline", "close")


class Inquiry(db.Model):
    __tablename__ = "inquiries"
    __change_scopes__ = (("org", "org_id"), ("platform", "platform_id"))  #: the firm's and platform's pages
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("inq"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the firm
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"), index=True)
    #: The firm's demand this inquiry is about: its confidential part opens to the platform.
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    #: The firm asked for a confidentiality undertaking (保密承诺) before the demand's details open.
    requires_nda: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    nda_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nda_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[InquiryStatus] = mapped_column(StrEnumColumn(InquiryStatus), default=I.OPEN, index=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: the platform's first answer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    nda_accepted_by: Mapped[User | None] = relationship(foreign_keys=[nda_accepted_by_id])
    platform: Mapped[Platform] = relationship()
    offering: Mapped[Offering | None] = relationship()
    demand: Mapped[Demand | None] = relationship()

    @property
    def status_label(self) -> str:
        return INQUIRY_WORKFLOW.label(self.status)

    @property
    def is_waiting(self) -> bool:
        """Sent and not answered yet: the platform's turn."""
        return self.status == I.OPEN

    @property
    def was_accepted(self) -> bool:
        """Accepted by the platform (and possibly closed since): both contact persons are shown."""
        return self.status in (I.ACCEPTED, I.CLOSED)

    @property
    def is_accepted(self) -> bool:
        return self.status == I.ACCEPTED


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"  #: became an order
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  #: its validity passed unanswered


P = ProposalStatus
PROPOSAL_WORKFLOW = Workflow(
    object_type="proposal",
    states=ProposalStatus,
    labels=vocab.PROPOSAL_STATUSES,
    transitions={
        (P.SUBMITTED, "accept"): P.ACCEPTED,
        (P.SUBMITTED, "decline"): P.DECLINED,
        (P.SUBMITTED, "withdraw"): P.WITHDRAWN,
        (P.SUBMITTED, "expire"): P.EXPIRED,
    },
    action_labels=vocab.PROPOSAL_ACTIONS,
)
PROPOSAL_FIRM_ACTIONS = ("accept", "decline")
PROPOSAL_PLATFORM_ACTIONS = ("withdraw",)
#: Every number of a proposal and its bounds (the same as an offering's price and lead time).
NUMBERS = {
    "price_amount": OFFERING_NUMBERS["price_amount"],
    "lead_time_days": OFFERING_NUMBERS["lead_time_days"],
}


class Proposal(HasAttachments, db.Model):
    """方案与报价: on an open demand (demand_id) or answering an inquiry (inquiry_id: a quote)."""

    __tablename__ = "proposals"
    __change_scopes__ = (("org", "org_id"), ("platform", "platform_id"))  #: the firm's and platform's pages
    __attachment_owner__ = "proposal"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("prp"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  #: the firm addressed
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id", ondelete="SET NULL"), index=True)
    inquiry_id: Mapped[int | None] = mapped_column(
        ForeignKey("inquiries.id", ondelete="SET NULL"), index=True
    )
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"))  #: the offering it relies on
    title: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(Text, default="")  #: 方案内容与范围
    deliverables: Mapped[str] = mapped_column(Text, default="")  #: 交付成果
    price_amount: Mapped[float | None] = mapped_column(Float)  #: yuan for the whole work; None: 面议
    lead_time_days: Mapped[int | None] = mapped_column(Integer)  #: 周期
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)  #: 报价有效期 (local date)
    status: Mapped[ProposalStatus] = mapped_column(
        StrEnumColumn(ProposalStatus), default=P.SUBMITTED, index=True
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    platform: Mapped[Platform] = relationship()
    organization: Mapped[Organization] = relationship()
    demand: Mapped[Demand | None] = relationship()
    inquiry: Mapped[Inquiry | None] = relationship()
    offering: Mapped[Offering | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return PROPOSAL_WORKFLOW.label(self.status)

    @property
    def is_submitted(self) -> bool:
        """Waiting for the firm's answer."""
        return self.status == P.SUBMITTED

    @property
    def is_accepted(self) -> bool:
        return self.status == P.ACCEPTED

    @property
    def is_quote(self) -> bool:
        return self.inquiry_id is not None

    @property
    def price_text(self) -> str:
        return vocab.price_label(self.price_amount, "project", self.price_amount is None)
