"""Explicit state machines: a table of allowed transitions and one function that applies them."""

from __future__ import annotations

from dataclasses import dataclass

from ..extensions import db
from .models import AuditLog, utcnow


class TransitionError(Exception):
    """A transition that the workflow does not allow from the object's current state."""

    def __init__(self, message: str, field: str = "status"):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Workflow:
    """Allowed transitions of one kind of object: {(old, action): new}."""

    object_type: str
    transitions: dict[tuple[str, str], str]
    labels: dict[str, str]

    def allowed_actions(self, state: str) -> list[str]:
        return [action for (old, action) in self.transitions if old == state]

    def apply(self, obj, action: str, *, by, reason: str | None = None, details: dict | None = None) -> str:
        """Move `obj.status` by `action`, record the audit row and return the new state."""
        old = obj.status
        new = self.transitions.get((old, action))
        if new is None:
            raise TransitionError(f"当前状态“{self.labels.get(old, old)}”不允许此操作。")
        obj.status = new
        if hasattr(obj, "status_changed_at"):
            obj.status_changed_at = utcnow()
        db.session.add(
            AuditLog(
                actor_id=getattr(by, "id", None),
                object_type=self.object_type,
                object_id=obj.id,
                old_state=old,
                new_state=new,
                reason=reason,
                details=details,
            )
        )
        return new
