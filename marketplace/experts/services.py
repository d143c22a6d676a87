"""Experts: conflicts of interest. The one rule both evaluation and case review enforce."""

from __future__ import annotations

from sqlalchemy import select

from .. import vocab
from ..extensions import db
from .models import ConflictDeclaration


def conflict_reason(expert, platform) -> str | None:
    """Why `expert` may not score `platform` (a Chinese sentence), or None when they may: an expert
    never scores a platform of their own organisation, nor one they declared a conflict with."""
    if expert.org_id is not None and expert.org_id == platform.org_id:
        return vocab.CONFLICT_REASONS["own_org"]
    declared = db.session.scalar(
        select(ConflictDeclaration.id).where(
            ConflictDeclaration.expert_id == expert.id, ConflictDeclaration.platform_id == platform.id
        )
    )
    return vocab.CONFLICT_REASONS["declared"] if declared else None
