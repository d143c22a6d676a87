"""The counts beside the navigation's links (unread notices, unread messages, self-reports to submit),
read in one statement per signed-in page.

A feature registers what it counts with `register_count(app, build, roles=…)`: `build(user)` returns
{template name: SQL scalar expression} about `user`, a stand-in whose `id` and `org_id` are bound
parameters (`PARAMS`). The statement is built once per role and process; each page binds the user's
id and organisation. `base.html` calls `nav_counts()` once, where it draws the links: pages that do
not extend it, mails and error pages read nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.sql import ColumnElement

from ..extensions import db

#: The bound parameters the stand-in user carries.
PARAMS = ("nav_user_id", "nav_org_id")

Build = Callable[[object], dict[str, ColumnElement]]


@dataclass(frozen=True)
class ParamUser:
    """A user of one role whose id and organisation are bound parameters: services' SQL conditions
    about "this user" (`Message.author_id != user.id`, `model.org_id == user.org_id`) build once."""

    role: str
    is_authenticated = True

    @property
    def id(self):
        return bindparam(PARAMS[0])

    @property
    def org_id(self):
        return bindparam(PARAMS[1])

    is_admin = property(lambda self: self.role == "admin")
    is_operator = property(lambda self: self.role == "operator")
    is_firm = property(lambda self: self.role == "firm")
    is_expert = property(lambda self: self.role == "expert")


@dataclass(frozen=True)
class _Count:
    names: tuple[str, ...]
    build: Build
    roles: frozenset[str] | None


class _Registry:
    def __init__(self):
        self.counts: list[_Count] = []
        self.statements: dict[str, object] = {}
        self.lock = threading.Lock()

    def statement(self, role: str):
        """The SELECT of every count that concerns `role` (None: none does), built once."""
        with self.lock:
            if role not in self.statements:
                user = ParamUser(role)
                columns = [
                    expression.label(name)
                    for count in self.counts
                    if count.roles is None or role in count.roles
                    for name, expression in count.build(user).items()
                ]
                self.statements[role] = select(*columns) if columns else None
            return self.statements[role]


def _registry(app: Flask) -> _Registry:
    return app.extensions.setdefault("navigation_counts", _Registry())


def register_count(app: Flask, build: Build, *, names: tuple[str, ...], roles=None) -> None:
    """Count `names` (template names, 0 for the roles not in `roles` and for anonymous visitors) with
    `build(user)`: {name: scalar SQL expression}, e.g. `select(func.count(…)).where(…).scalar_subquery()`."""
    registry = _registry(app)
    registry.counts.append(_Count(tuple(names), build, frozenset(roles) if roles is not None else None))
    registry.statements.clear()


def counts_for(user) -> dict[str, int]:
    """{name: count} of every registered count for `user` (one statement; zeros when anonymous)."""
    registry = _registry(current_app)
    found = {name: 0 for count in registry.counts for name in count.names}
    if not (user and user.is_authenticated):
        return found
    statement = registry.statement(str(user.role))
    if statement is not None:
        row = db.session.execute(statement, {PARAMS[0]: user.id, PARAMS[1]: user.org_id}).one()
        found.update({name: value or 0 for name, value in row._mapping.items()})
    return found


def nav_counts() -> dict[str, int]:
    """The current user's counts, read once per request (template global for `base.html`)."""
    if "nav_counts" not in g:
        g.nav_counts = counts_for(current_user)
    return g.nav_counts


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_counts"] = nav_counts
