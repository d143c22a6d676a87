"""The two sides of what a firm and a platform deal on (bookings and orders, inquiries, proposals and
quotes): any object with `org_id` (the firm) and `platform`. Who is on which side, what each side
may do, whom to tell when one side acts, and which rows are a user's (message threads)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import false, or_, select

from .. import signals
from ..accounts.models import Role, User
from ..core.errors import Conflict
from ..extensions import db
from ..messaging import unread
from .models import Platform
from .services import can_manage, operators_of


def is_firm_party(user, obj) -> bool:
    """A user of the firm the object belongs to (the booking's, the inquiry's sender, the proposal's
    addressee)."""
    return bool(user and user.is_authenticated and user.is_firm and user.org_id == obj.org_id)


def is_platform_party(user, obj) -> bool:
    """An operator of the object's platform."""
    return can_manage(user, obj.platform)


def is_party(user, obj) -> bool:
    return is_firm_party(user, obj) or is_platform_party(user, obj)


def side_actions(user, obj, firm_actions: tuple[str, ...], platform_actions: tuple[str, ...]) -> tuple:
    """The actions the user's side may take on the object (both sides' for a user on both)."""
    return (firm_actions if is_firm_party(user, obj) else ()) + (
        platform_actions if is_platform_party(user, obj) else ()
    )


def refuse_other_sides_action(user, obj, action: str, firm_actions, platform_actions, what: str) -> None:
    """The API's answer to an action of the other side: a Conflict (409) naming `action`."""
    if action not in side_actions(user, obj, firm_actions, platform_actions):
        raise Conflict(("action", f"您这一方不能对该{what}执行此操作。"))


def counterpart(user, obj) -> str:
    """The other side's name as the user's side reads it."""
    return obj.platform.name if user.is_firm else obj.organization.name


# ---------------------------------------------------------------- whom to tell


def firm_users(obj, requester: User | None = None) -> list[User]:
    """The firm side: the user who asked (`requester`), or the firm's users when there is none or
    the account is disabled."""
    if requester is not None and requester.is_enabled:
        return [requester]
    return list(db.session.scalars(select(User).where(User.org_id == obj.org_id, User.role == Role.FIRM)))


def tell_other_side(obj, by, message: str, *, requester: User | None, link: Callable[[], str]) -> None:
    """Tell the side that did not act (both sides when the system acted, `by` None); nobody while
    notices are muted (replaying history: demo data). `link()` is the object's absolute address."""
    if signals.notice.is_muted:
        return
    users: list[User] = []
    if by is None or not is_firm_party(by, obj):
        users += firm_users(obj, requester)
    if by is None or not is_platform_party(by, obj):
        users += operators_of(obj.platform)
    signals.notice.send(obj, users=users, message=message, link=link())


# ---------------------------------------------------------------- message threads


def thread_rules(model, firm_users: Callable) -> dict:
    """What `messaging.register_thread` needs of a subject between a firm and a platform, besides
    its address and title: its firm and platform read and write it (administrators see the subject,
    not the conversation), both sides are told (`firm_users(obj)`: whom the firm side is)."""
    return {
        "can_view": is_party,
        "parties": lambda obj: firm_users(obj) + operators_of(obj.platform),
        "mine": mine(model),
        "counterpart": counterpart,
        "party_users": party_users,
        "party_columns": ("org_id", "platform_id"),
    }


def party_users(obj):
    """SQL condition on User: the users `mine` may find party to the object's thread (its firm's, its
    platform's organisation's), before and after the changes being flushed (stored unread counts)."""
    platforms = unread.attribute_values(obj, "platform_id")
    return or_(
        User.org_id.in_(unread.attribute_values(obj, "org_id")),
        User.org_id.in_(select(Platform.org_id).where(Platform.id.in_(platforms))),
    )


# a platform moved to another organisation changes whose threads its bookings, inquiries … are
unread.watch(Platform, ("org_id",), lambda p: User.org_id.in_(unread.attribute_values(p, "org_id")))


def mine(model) -> Callable:
    """The SQL condition on `model` (`messaging.register_thread(mine=…)`): the rows whose threads a
    user is party to: a firm's own, an operator's platforms'; none for anyone else."""

    def condition(user):
        if user.is_firm:
            return model.org_id == user.org_id
        if user.is_operator:
            return model.platform_id.in_(select(Platform.id).where(Platform.org_id == user.org_id))
        return false()

    return condition


def dealt_with_by(query, model, user):
    """`query` (a SELECT of `model`) narrowed to the rows this user deals with: a firm's own, an
    operator's platforms', every row for administrators, none for anyone else."""
    if user.is_firm:
        return query.where(model.org_id == user.org_id)
    if user.is_operator:  # IN, not EXISTS per row: the database reads only those platforms' rows
        return query.where(model.platform_id.in_(select(Platform.id).where(Platform.org_id == user.org_id)))
    if not user.is_admin:
        return query.where(False)
    return query
