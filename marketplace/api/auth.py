"""Bearer-token authentication for the API (never the session cookie)."""

from __future__ import annotations

import logging
from functools import wraps

from flask import current_app, g, request
from flask_smorest import abort

from ..accounts.services import user_for_token
from ..core.errors import Conflict, DomainError, Forbidden
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


def _refuse_without_token() -> None:
    if token_user() is None:
        log.info("api refused: missing or invalid token path=%s", request.path)
        abort(
            401,
            message="需要有效的 API 令牌：Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )


def token_required(view):
    """The endpoint needs a valid token. `authenticate_first` checks it before the arguments are read
    (a request without a token gets 401, never 422 about its body), wherever this decorator stands."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        _refuse_without_token()
        return view(*args, **kwargs)

    wrapped.requires_token = True
    return wrapped


def authenticate_first() -> None:
    """Before-request hook of every API blueprint: 401 for an endpoint marked `token_required`."""
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    handler = view
    if view_class is not None:  # a MethodView: the method's function (HEAD is answered by get)
        handler = getattr(view_class, "get" if request.method == "HEAD" else request.method.lower(), None)
    if getattr(handler, "requires_token", False):
        _refuse_without_token()


def domain_errors(view):
    """Service refusals as JSON: DomainError → 422 naming the fields (Conflict → 409, e.g. a state
    that does not allow the action or a window already taken); Forbidden/LookupError → 404."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except Conflict as exc:
            db.session.rollback()
            abort(409, message="与当前状态冲突", errors={"json": exc.as_dict()})
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
