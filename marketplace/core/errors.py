"""Domain failures that services raise and views, the API and the CLI translate."""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused: carries (field, message) pairs to show beside form fields."""

    def __init__(self, *errors: tuple[str, str]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = list(errors)

    def as_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for field, message in self.errors:
            out.setdefault(field, []).append(message)
        return out


class Conflict(DomainError):
    """Refused because of the object's current state or of other objects (a state the workflow does
    not leave by this action, a window already taken): the API answers 409 instead of 422."""


class Forbidden(Exception):
    """The acting user may not do this to this object (answered 403, or 404 to hide existence)."""


def load_visible(model, obj_id: int, may_view, options: tuple = ()):
    """The object if `may_view(obj)`, else None: missing and hidden look the same (404); a hidden
    one's refusal is logged with the request id. `options`: loader options (what the page reads)."""
    from ..extensions import db
    from .auth import log_refused_read

    obj = db.session.get(model, obj_id, options=options)
    if obj is None:
        return None
    if not may_view(obj):
        log_refused_read(model.__name__.lower(), obj_id)
        return None
    return obj


def load_permitted(model, obj_id: int, permitted):
    """The object, or LookupError when missing and Forbidden when `permitted(obj)` is false."""
    from ..extensions import db

    obj = db.session.get(model, obj_id)
    if obj is None:
        raise LookupError(obj_id)
    if not permitted(obj):
        raise Forbidden()
    return obj
