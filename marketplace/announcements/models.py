"""通知公告: policies, calls for applications and results that administrators publish (plan 四(六))."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from .. import vocab
from ..core.models import StrEnumColumn, UTCDateTime, utcnow
from ..core.state import Workflow
from ..extensions import db


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


S = AnnouncementStatus
#: draft → published ⇄ withdrawn (a withdrawn notice is no longer shown; it can be published again).
ANNOUNCEMENT_WORKFLOW = Workflow(
    object_type="announcement",
    states=AnnouncementStatus,
    labels=vocab.ANNOUNCEMENT_STATUSES,
    transitions={
        (S.DRAFT, "publish"): S.PUBLISHED,
        (S.PUBLISHED, "withdraw"): S.WITHDRAWN,
        (S.WITHDRAWN, "publish"): S.PUBLISHED,
    },
    action_labels={"publish": "发布", "withdraw": "撤回"},
)


class Announcement(db.Model):
    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_status_published", "status", "published_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  #: vocab.ANNOUNCEMENT_KINDS
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  #: plain text; blank lines separate paragraphs
    issuer: Mapped[str] = mapped_column(String(100))  #: 发布单位, e.g. 山东省工业和信息化厅
    #: a call's closing date (申报截止), shown and counted down on the page
    deadline: Mapped[date | None] = mapped_column(Date)
    source_url: Mapped[str] = mapped_column(String(500), default="")  #: the original document (http/https)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  #: 置顶
    status: Mapped[AnnouncementStatus] = mapped_column(StrEnumColumn(AnnouncementStatus), default=S.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: first publication
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def kind_label(self) -> str:
        return vocab.ANNOUNCEMENT_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return vocab.ANNOUNCEMENT_STATUSES[self.status]

    @property
    def is_published(self) -> bool:
        return self.status == S.PUBLISHED

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
