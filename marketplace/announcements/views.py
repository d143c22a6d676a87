"""通知公告: the public list and page, and the administrators' management."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from .. import vocab
from ..accounts.models import Role
from ..core.auth import acting_user, or_404, role_required
from ..core.views import page_of, perform, status_list, submit_form
from ..extensions import db
from . import services
from .forms import AnnouncementForm
from .models import Announcement

bp = Blueprint("announcements", __name__)


@bp.route("/announcements")
def index():
    kind = request.args.get("kind", "")
    q = request.args.get("q", "")[:100]
    return render_template(
        "announcements/index.html",
        page=page_of(services.published(kind=kind, q=q)),
        kind=kind if kind in vocab.ANNOUNCEMENT_KINDS else "",
        q=q,
        link_params={k: v for k, v in (("kind", kind), ("q", q)) if v},
    )


@bp.route("/announcements/<int:announcement_id>")
def detail(announcement_id: int):
    announcement = services.get_visible(current_user, announcement_id)
    if announcement is None:
        abort(404)
    return render_template(
        "announcements/detail.html",
        announcement=announcement,
        actions=services.actions(announcement)
        if current_user.is_authenticated and current_user.is_admin
        else [],
    )


@bp.route("/admin/announcements")
@role_required(Role.ADMIN)
def manage():
    user = acting_user()
    return status_list(
        "announcements/manage.html",
        vocab.ANNOUNCEMENT_STATUSES,
        lambda status: services.all_for_admin(user, status=status),
    )


def _edit(announcement: Announcement | None):
    user = acting_user()
    if request.method == "POST":
        form = AnnouncementForm()
    elif announcement is None:
        form = AnnouncementForm(issuer=services.DEFAULT_ISSUER)
    else:
        form = AnnouncementForm(obj=announcement)
    done, saved = submit_form(
        form,
        (lambda: services.update(user, announcement, form.values()))
        if announcement
        else (lambda: services.create(user, form.values())),
        "已保存。" if announcement else "已保存为草稿；确认无误后点击“发布”。",
        check=lambda: services.validate(form.values(), announcement),
    )
    if done:
        return redirect(url_for("announcements.detail", announcement_id=saved.id))
    return render_template("announcements/form.html", form=form, announcement=announcement)


@bp.route("/admin/announcements/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    return _edit(None)


@bp.route("/admin/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(announcement_id: int):
    announcement = db.session.get(Announcement, announcement_id) or abort(404)
    return _edit(announcement)


DONE = {"publish": "已发布。", "withdraw": "已撤回，公众不再能看到。"}


@bp.route("/admin/announcements/<int:announcement_id>/<any(publish, withdraw):action>", methods=["POST"])
@role_required(Role.ADMIN)
def change_status(announcement_id: int, action: str):
    announcement = db.session.get(Announcement, announcement_id) or abort(404)
    with or_404():
        perform(lambda: services.change_status(acting_user(), announcement, action), DONE[action])
    return redirect(url_for("announcements.detail", announcement_id=announcement.id))
