"""Bearer-token authentication for the API (never the session cookie)."""

from __future__ import annotations

import logging
from functools import wraps

from flask import g, request
from flask_smorest import abort

from ..accounts.services import user_for_token
from ..core.errors import DomainError, Forbidden
from ..extensions import db

log = logging.getLogger("marketplace.api")


def token_user():
    """The user behind `Authorization: Bearer <token>`, or None."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        g.api_user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if g.api_user is not None:
            db.session.commit()  # last_used_at
    return g.api_user


def token_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if token_user() is None:
            log.info("api refused: missing or invalid token path=%s", request.path)
            abort(401, message="需要有效的 API 令牌：Authorization: Bearer <token>")
        return view(*args, **kwargs)

    return wrapped


def domain_errors(view):
    """Service refusals as JSON: DomainError → 422 naming the fields; Forbidden/LookupError → 404."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            abort(422, message="请求数据无效", errors={"json": exc.as_dict()})
        except (Forbidden, LookupError):
            db.session.rollback()
            log.warning(
                "api refused or missing object user=%s path=%s",
                getattr(g.get("api_user"), "id", None),
                request.path,
            )
            abort(404, message="对象不存在或无权访问")

    return wrapped
