"""View helpers for roles and for turning service refusals into 403/404."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import wraps

from flask import abort, g, has_request_context, request
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


def _actor_id():
    """The API token's user in the API (never the session's), else the session's; None if anonymous."""
    if "api_user" in g:
        return getattr(g.api_user, "id", None)
    return getattr(current_user, "id", None)


def log_refused_read(kind: str, obj_id) -> None:
    """Log that an existing object was kept from this user (answered as missing), with the request
    id so the refusal can be found from the response's X-Request-Id."""
    if has_request_context():
        log.warning(
            "refused read of hidden %s id=%s user=%s request_id=%s path=%s",
            kind,
            obj_id,
            _actor_id(),
            g.get("request_id"),
            request.path,
        )
    else:
        log.warning("refused read of hidden %s id=%s", kind, obj_id)


@contextmanager
def or_404():
    """Inside a view: a missing object or a refused permission both answer 404."""
    try:
        yield
    except (LookupError, Forbidden):
        log.warning(
            "refused or missing object user=%s request_id=%s path=%s",
            _actor_id(),
            g.get("request_id"),
            request.path,
        )
        abort(404)
