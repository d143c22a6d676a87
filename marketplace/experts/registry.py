"""The kinds of work experts are assigned to, registered by the features that own them.

The experts' workspace lists every kind without knowing any: the evaluation registers its
`EvaluationAssignment`s, the case selection its `CaseReview`s, each from its own `init_app`::

    register_assignments(
        "evaluation", "绩效评价",
        pending=lambda expert: [...AssignmentItem...],
        done=lambda expert: [...AssignmentItem...],
        withdraw=lambda expert, platform, by: [...AssignmentItem...],
    )

`withdraw(expert, platform, by)` removes the expert's assignments to `platform` that they have not
submitted (called when they declare a conflict with it, in that transaction) and returns what it
removed; submitted ones stay and are reported by `submitted_for(expert, platform)` when given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date


@dataclass(frozen=True)
class AssignmentItem:
    """One assignment as the workspace lists it."""

    title: str  #: what is scored (e.g. the campaign's title, the case's title)
    platform: str  #: the platform's name
    status_label: str  #: 待评分, 已提交 …
    url: str  #: where the expert reads and scores it
    due: date | None = None  #: a deadline, when there is one
    phase: str = ""  #: the phase of the campaign or round (专家评审中 …)
    kind: str = ""  #: filled in by the registry
    kind_label: str = ""  #: filled in by the registry


ItemsOf = Callable[[object], list[AssignmentItem]]


@dataclass(frozen=True)
class AssignmentKind:
    kind: str
    label: str
    pending: ItemsOf
    done: ItemsOf
    withdraw: Callable[[object, object, object], list[AssignmentItem]] | None = None
    submitted_for: Callable[[object, object], list[AssignmentItem]] | None = None


_KINDS: dict[str, AssignmentKind] = {}


def register_assignments(
    kind: str,
    label: str,
    *,
    pending: ItemsOf,
    done: ItemsOf,
    withdraw: Callable[[object, object, object], list[AssignmentItem]] | None = None,
    submitted_for: Callable[[object, object], list[AssignmentItem]] | None = None,
) -> None:
    """Declare a kind of expert assignment (registering a kind again replaces it)."""
    _KINDS[kind] = AssignmentKind(kind, label, pending, done, withdraw, submitted_for)


def kinds() -> list[AssignmentKind]:
    return list(_KINDS.values())


def _labelled(kind: AssignmentKind, items: list[AssignmentItem]) -> list[AssignmentItem]:
    return [replace(item, kind=kind.kind, kind_label=kind.label) for item in items]


def pending(expert) -> list[AssignmentItem]:
    """Everything `expert` still has to score, of every kind, the nearest deadline first."""
    items = [item for kind in kinds() for item in _labelled(kind, kind.pending(expert))]
    return sorted(items, key=lambda item: (item.due is None, item.due or date.max))


def done(expert) -> list[AssignmentItem]:
    return [item for kind in kinds() for item in _labelled(kind, kind.done(expert))]


def withdraw(expert, platform, by) -> list[AssignmentItem]:
    """Remove `expert`'s unsubmitted assignments to `platform` of every kind; what was removed."""
    return [
        item
        for kind in kinds()
        if kind.withdraw
        for item in _labelled(kind, kind.withdraw(expert, platform, by))
    ]


def submitted_for(expert, platform) -> list[AssignmentItem]:
    """`expert`'s submitted assignments to `platform` of every kind (kept when a conflict is declared)."""
    return [
        item
        for kind in kinds()
        if kind.submitted_for
        for item in _labelled(kind, kind.submitted_for(expert, platform))
    ]
