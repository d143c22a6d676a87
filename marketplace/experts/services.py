"""Experts: conflicts of interest. The one rule both evaluation and case review enforce, and the
experts' own declarations (which withdraw unsubmitted assignments to that platform)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased, selectinload

from .. import signals, vocab
from ..accounts.models import Role, User
from ..core.errors import Conflict, DomainError, Forbidden
from ..core.urls import external_url
from ..extensions import db
from ..platforms.models import Platform
from . import registry
from .models import ConflictDeclaration

#: The longest reason of a declaration.
REASON_MAX = 500
#: How many platforms the picker lists for one search.
PICKER_LIMIT = 20


def conflict_reason(expert, platform, declared: Collection[tuple[int, int]] | None = None) -> str | None:
    """Why `expert` may not score `platform` (a Chinese sentence), or None when they may: an expert
    never scores a platform of their own organisation, nor one they declared a conflict with.
    `declared`: the (expert id, platform id) pairs of `declared_conflicts` loaded for a whole list,
    else the declaration is looked up."""
    if expert.org_id is not None and expert.org_id == platform.org_id:
        return vocab.CONFLICT_REASONS["own_org"]
    if declared is None:
        declared = declared_conflicts([expert.id], [platform.id])
    return vocab.CONFLICT_REASONS["declared"] if (expert.id, platform.id) in declared else None


def declared_conflicts(
    expert_ids: Iterable[int], platform_ids: Iterable[int] | None = None
) -> set[tuple[int, int]]:
    """The (expert id, platform id) of the declarations of these experts (with these platforms),
    in one statement: what `conflict_reason` reads for a whole list."""
    stmt = select(ConflictDeclaration.expert_id, ConflictDeclaration.platform_id).where(
        ConflictDeclaration.expert_id.in_(list(expert_ids))
    )
    if platform_ids is not None:
        stmt = stmt.where(ConflictDeclaration.platform_id.in_(list(platform_ids)))
    return {(expert_id, platform_id) for expert_id, platform_id in db.session.execute(stmt)}


#: The declarations as joined by `conflict_joined` (aliased once: an alias lists its columns anew each
#: time it is made).
_DECLARED = aliased(ConflictDeclaration)


def conflict_joined(stmt, expert_id, expert_org_id, platform_id, platform_org_id):
    """`conflict_reason`'s rule for a query over many (expert, platform) rows: `stmt` outer-joined to
    the declarations, and the condition over the join (true when the expert may not score the
    platform). A join, not an EXISTS per row: PostgreSQL ran such an EXISTS, under an OR, once for
    every user of every row (0.4 s for 2,000 participants)."""
    declared = _DECLARED
    stmt = stmt.outerjoin(
        declared, and_(declared.expert_id == expert_id, declared.platform_id == platform_id)
    )
    own = and_(expert_org_id.is_not(None), expert_org_id == platform_org_id)
    return stmt, or_(own, declared.id.is_not(None))


def _require_expert(user) -> None:
    if not (user and user.is_expert):
        raise Forbidden()


def experts() -> list[User]:
    """Every enabled expert account, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.EXPERT, User.is_enabled.is_(True))
            .order_by(User.name, User.id)
            .options(selectinload(User.organization))
        )
    )


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.ADMIN, User.is_enabled.is_(True))))


def declarations_of(expert) -> list[ConflictDeclaration]:
    _require_expert(expert)
    return list(
        db.session.scalars(
            select(ConflictDeclaration)
            .where(ConflictDeclaration.expert_id == expert.id)
            .order_by(ConflictDeclaration.created_at.desc(), ConflictDeclaration.id.desc())
        )
    )


def search_platforms(expert, query: str) -> list[Platform]:
    """Approved platforms whose name contains `query` (the declaration's picker), by name."""
    _require_expert(expert)
    text = (query or "").strip()[:100]
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        db.session.scalars(
            select(Platform)
            .where(Platform.is_public, Platform.name.ilike(pattern, escape="\\"))
            .order_by(Platform.name)
            .limit(PICKER_LIMIT)
        )
    )


def check_declaration(platform_id, reason: str | None) -> None:
    """The declaration's own validation (no side effects)."""
    errors = []
    if not platform_id:
        errors.append(("platform_id", "请先搜索并选择平台。"))
    if not (reason or "").strip():
        errors.append(("reason", "请说明利益冲突的原因。"))
    elif len(reason.strip()) > REASON_MAX:
        errors.append(("reason", f"原因不能超过 {REASON_MAX} 个字符。"))
    if errors:
        raise DomainError(*errors)


def declare_conflict(expert, platform_id: int | None, reason: str | None) -> ConflictDeclaration:
    """`expert` declares a conflict with an approved platform. From then on they are never assigned to
    it; their unsubmitted assignments to it (of every kind) are removed and the administrators told."""
    _require_expert(expert)
    check_declaration(platform_id, reason)
    platform = db.session.get(Platform, platform_id)
    if platform is None or not platform.is_public:
        raise DomainError(("platform_id", "请从搜索结果中选择一个已认定的平台。"))
    exists = db.session.scalar(
        select(ConflictDeclaration.id).where(
            ConflictDeclaration.expert_id == expert.id, ConflictDeclaration.platform_id == platform.id
        )
    )
    if exists:
        raise Conflict(("platform_id", f"您已声明与“{platform.name}”存在利益冲突。"))
    declaration = ConflictDeclaration(expert_id=expert.id, platform_id=platform.id, reason=reason.strip())
    db.session.add(declaration)
    db.session.flush()
    removed = registry.withdraw(expert, platform, expert)
    kept = registry.submitted_for(expert, platform)
    if removed or kept:
        _tell_admins(expert, platform, declaration.reason, removed, kept)
    return declaration


def _tell_admins(expert, platform, reason: str, removed, kept) -> None:
    message = f"评审专家{expert.name}声明与“{platform.name}”存在利益冲突（{reason.rstrip('。.；;')}）。"
    if removed:
        listed = "、".join(f"{item.kind_label}“{item.title}”" for item in removed)
        message += f"已自动撤销其尚未提交的评审分配：{listed}，请另行安排专家。"
    if kept:
        listed = "、".join(f"{item.kind_label}“{item.title}”" for item in kept)
        message += f"其已提交的评审仍保留：{listed}，请核查。"
    signals.notice.send(platform, users=admins(), message=message, link=external_url("admin.index"))
