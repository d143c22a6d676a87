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


class Forbidden(Exception):
    """The acting user may not do this to this object (answered 403, or 404 to hide existence)."""


def load_visible(model, obj_id: int, may_view):
    """The object if `may_view(obj)`, else None: missing and hidden look the same (404)."""
    from ..extensions import db

    obj = db.session.get(model, obj_id)
    return obj if obj is not None and may_view(obj) else None


def load_permitted(model, obj_id: int, permitted):
    """The object, or LookupError when missing and Forbidden when `permitted(obj)` is false."""
    from ..extensions import db

    obj = db.session.get(model, obj_id)
    if obj is None:
        raise LookupError(obj_id)
    if not permitted(obj):
        raise Forbidden()
    return obj


def submit_form(form, action, success: str):
    """The thin-view step: validate `form`, run `action()`; on a DomainError roll back and show the
    messages beside the fields; on success commit and flash `success`.

    Returns (True, what the action returned) when committed, else (False, None)."""
    from flask import flash

    from ..extensions import db

    if not form.validate_on_submit():
        return False, None
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        apply_to_form(form, exc)
        return False, None
    db.session.commit()
    flash(success, "success")
    return True, result


def apply_to_form(form, error: DomainError) -> None:
    """Attach service errors to the matching WTForms fields (or the form's top when unknown)."""
    for field, message in error.errors:
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            form.form_errors.append(message)
