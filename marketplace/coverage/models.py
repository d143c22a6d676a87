"""How well the catalogue covers each demand: its best match when it was last matched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .. import vocab
from ..core.models import UTCDateTime, utcnow
from ..extensions import db


class DemandFit(db.Model):
    """A demand's best match when last matched (by the subscriptions' push as catalogue and demands change,
    by `flask coverage refresh` and its nightly job otherwise). `best_fit` is the best match's
    `Match.fit`: how much of that offering's title the need speaks of (0..1), comparable across needs,
    where the match score ranks only within one need's list. Under `COVERAGE_GOOD_FIT` the demand has no
    good match; `unmet_since` says since when (kept while it stays so)."""

    __tablename__ = "demand_fits"
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), primary_key=True)
    best_fit: Mapped[float] = mapped_column(Float, default=0.0)
    best_score: Mapped[float] = mapped_column(Float, default=0.0)
    best_offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id", ondelete="SET NULL"))
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    unmet_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GapAction(db.Model):
    """What an administrator did about a demand without a good match, told to the firm: forwarded it to
    chosen platforms, is recruiting a platform for it, or judged it outside 中试 services (it then leaves
    the list of unmet demands and the counts, until a later `reconsider` takes the judgement back). One
    row per action: the record of the list's work."""

    __tablename__ = "gap_actions"  #: public content for core.changes: the coverage figures count it
    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))  #: vocab.GAP_ACTION_LABELS
    note: Mapped[str] = mapped_column(String(500), default="")
    platform_ids: Mapped[list] = mapped_column(JSON, default=list)  #: forward: the platforms told
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def action_label(self) -> str:
        return vocab.GAP_ACTION_LABELS[self.action]
