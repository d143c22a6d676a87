"""View helpers for roles and for turning service refusals into 403/404."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from .errors import Forbidden

log = logging.getLogger("marketplace.auth")


def role_required(*roles: str):
    """Logged in with one of `roles`, else 403 (and the refusal is logged)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                log.warning(
                    "forbidden user=%s role=%s path=%s", current_user.id, current_user.role, request.path
                )
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def acting_user():
    """The real user object behind Flask-Login's proxy (for services)."""
    return current_user._get_current_object()


@contextmanager
def or_404():
    """Inside a view: a missing object or a refused permission both answer 404."""
    try:
        yield
    except (LookupError, Forbidden):
        log.warning(
            "refused or missing object user=%s path=%s", getattr(current_user, "id", None), request.path
        )
        abort(404)
