"""Experts' declarations of conflicts of interest (evaluation and case review both honour them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.models import UTCDateTime, utcnow
from ..extensions import db
from ..platforms.models import Platform


class ConflictDeclaration(db.Model):
    """An expert declares a conflict with a platform (former employer, joint project, relatives …):
    from then on they are never assigned to score it, in any campaign or selection round."""

    __tablename__ = "expert_conflicts"
    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    expert: Mapped[User] = relationship()
    platform: Mapped[Platform] = relationship()

    __table_args__ = (UniqueConstraint("expert_id", "platform_id", name="uq_expert_conflict"),)
