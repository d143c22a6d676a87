"""Explicit state machines: one table of allowed transitions per workflow, and one function that
applies a transition, asks the guards, writes the audit row and announces the change."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .. import signals
from ..extensions import db
from .bulk import insert_rows
from .errors import Conflict, DomainError
from .models import AuditLog, utcnow

#: A guard may refuse a transition: it returns None to allow it, or a message (or a
#: (field, message) pair) that the user will read. Signature: guard(obj, by) -> str | tuple | None.
Guard = Callable[[object, object], "str | tuple[str, str] | None"]


@dataclass(frozen=True)
class Workflow:
    """Allowed transitions of one kind of object: {(old state, action): new state}.

    `labels` names the states and `action_labels` the actions in Chinese; `guards` lists, per action,
    checks that may refuse a transition that the table allows (e.g. capacity)."""

    object_type: str
    states: type[StrEnum]
    transitions: Mapping[tuple[StrEnum, str], StrEnum]
    labels: Mapping[str, str]
    action_labels: Mapping[str, str] = field(default_factory=dict)
    guards: Mapping[str, tuple[Guard, ...]] = field(default_factory=dict)

    def allowed_actions(self, state: str, among: Iterable[str] | None = None) -> list[str]:
        """Actions the table allows from `state` (optionally only those in `among`), in table order."""
        wanted = set(among) if among is not None else None
        return [
            action
            for (old, action) in self.transitions
            if old == state and (wanted is None or action in wanted)
        ]

    def can(self, obj, action: str) -> bool:
        return (obj.status, action) in self.transitions

    def label(self, state: str) -> str:
        return self.labels.get(state, state)

    def apply(
        self,
        obj,
        action: str,
        *,
        by,
        reason: str | None = None,
        details: dict | None = None,
        guards: Iterable[Guard] = (),
    ) -> StrEnum:
        """Move `obj.status` by `action`, record the audit row, send `signals.state_changed` and
        return the new state. Raises DomainError (field 'status', or the guard's field) when the
        table refuses (a Conflict) or a guard does; nothing is changed then. A guard may raise a
        Conflict itself (e.g. a window already taken)."""
        old = obj.status
        new = self.transitions.get((old, action))
        if new is None:
            raise Conflict(("status", f"当前状态“{self.label(old)}”不允许此操作。"))
        for guard in (*self.guards.get(action, ()), *guards):
            refusal = guard(obj, by)
            if refusal:
                raise DomainError(refusal if isinstance(refusal, tuple) else ("status", refusal))
        obj.status = new
        if hasattr(obj, "status_changed_at"):
            obj.status_changed_at = utcnow()
        self._audit(obj, old, new, by=by, reason=reason, details=details)
        signals.state_changed.send(obj, workflow=self, action=action, old=old, new=new, by=by, reason=reason)
        return new

    def enter(self, obj, state: StrEnum) -> None:
        """Put a new object straight into `state` (imports); call `record_entry` once it has an id."""
        obj.status = state
        if hasattr(obj, "status_changed_at"):
            obj.status_changed_at = utcnow()

    def record_entry(self, obj, *, by, reason: str | None = None) -> None:
        """The audit row of an object that entered the workflow in its current state (none → state)."""
        self._audit(obj, None, obj.status, by=by, reason=reason)

    def entry_values(self, model: type, state: StrEnum) -> dict:
        """`enter` for a row written without an object (bulk imports): the columns to insert."""
        values = {"status": state}
        if hasattr(model, "status_changed_at"):
            values["status_changed_at"] = utcnow()
        return values

    def record_entries(
        self, object_ids: Iterable[int], state: StrEnum, *, by, reason: str | None = None
    ) -> None:
        """`record_entry` for many new rows that entered `state`: their audit rows in one executemany."""
        at, actor_id = utcnow(), getattr(by, "id", None)
        rows = [
            {
                "at": at,
                "actor_id": actor_id,
                "object_type": self.object_type,
                "object_id": object_id,
                "old_state": None,
                "new_state": str(state),
                "reason": reason,
                "details": None,
            }
            for object_id in object_ids
        ]
        insert_rows(AuditLog.__table__, rows)

    def _audit(self, obj, old, new, *, by, reason, details=None) -> None:
        db.session.add(
            AuditLog(
                at=utcnow(),  # the moment of the change, not of the flush (replayed demo history)
                actor_id=getattr(by, "id", None),
                object_type=self.object_type,
                object_id=obj.id,
                old_state=old,
                new_state=new,
                reason=reason,
                details=details,
            )
        )

    def history(self, obj) -> list[AuditLog]:
        """The object's audit rows, oldest first."""
        return list(
            db.session.scalars(
                db.select(AuditLog)
                .where(AuditLog.object_type == self.object_type, AuditLog.object_id == obj.id)
                .order_by(AuditLog.id)
            )
        )
