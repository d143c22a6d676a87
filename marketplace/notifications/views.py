"""The notification centre: the user's notices, filtered by category or unread, opened (marked read)
one at a time or all at once."""

from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from .. import vocab
from ..core.auth import acting_user, or_404
from ..core.views import page_of
from ..extensions import db
from . import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def _filters() -> tuple[str | None, bool]:
    category = request.args.get("category")
    return (category if category in vocab.NOTIFICATION_CATEGORIES else None), request.args.get(
        "unread"
    ) == "1"


@bp.route("/")
@login_required
def index():
    category, unread = _filters()
    user = acting_user()
    page = page_of(services.notices_of(user, category=category, unread_only=unread))
    return render_template(
        "notifications/index.html",
        page=page,
        category=category,
        unread=unread,
        categories=vocab.NOTIFICATION_CATEGORIES,
        unread_total=services.unread_count(user),
    )


@bp.route("/<int:notice_id>")
@login_required
def open_notice(notice_id: int):
    """Mark the notice read and go where it points, on this site (links are stored absolute, for mails
    written by jobs on SITE_URL: only their path is followed); a notice without a link: back to the list."""
    with or_404():
        note = services.open_notice(acting_user(), notice_id)
    db.session.commit()
    if not note.link:
        return redirect(url_for("notifications.index"))
    parts = urlsplit(note.link)
    return redirect(urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment)))


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    category, _unread = _filters()
    services.mark_all_read(acting_user(), category=category)
    db.session.commit()
    return redirect(url_for("notifications.index", category=category))
