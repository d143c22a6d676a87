"""Message threads: the thread shown on its subject's page (template global `message_thread`), posting,
the user's threads ("我的消息") and the unread count in the navigation."""

from __future__ import annotations

from flask import Blueprint, get_template_attribute, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from ..attachments.storage import max_size_text
from ..core.auth import acting_user, or_404
from ..core.views import page_arg, page_size, submit_form
from ..extensions import db
from . import services
from .forms import MessageForm

bp = Blueprint("messaging", __name__, url_prefix="/messages")


@bp.app_template_global()
def message_thread(subject, form: MessageForm | None = None) -> Markup:
    """The subject's thread for the current user (oldest first, with a form to write), marked read;
    nothing for users who may not use it. Subject pages place it where their thread belongs."""
    if subject is None or not services.can_use(current_user, subject):
        return Markup("")
    user = acting_user()
    messages = services.messages_of(user, subject)
    if messages:
        services.mark_read(user, subject, messages[-1].id)
        db.session.commit()  # reading a page is what marks its thread read
    type_name, subject_id = services.thread_key(subject)
    render = get_template_attribute("_macros/thread.html", "thread")
    return render(
        messages=messages,
        form=form or MessageForm(formdata=None),
        action=url_for("messaging.thread", thread_type=type_name, subject_id=subject_id),
        user=user,
        files_hint=f"最多 {services.FILES_MAX} 个文件，单个不超过 {max_size_text()}。",
    )


@bp.route("/")
@login_required
def inbox():
    page = services.threads_page(acting_user(), page_arg(), page_size())
    return render_template("messaging/inbox.html", page=page)


@bp.route("/<thread_type>/<int:subject_id>", methods=["GET", "POST"])
@login_required
def thread(thread_type: str, subject_id: int):
    """The thread on a page of its own; a POST writes to it and returns to the subject's page."""
    user = acting_user()
    with or_404():
        subject = services.get_usable(user, thread_type, subject_id)
    form = MessageForm()
    if request.method == "POST":
        done, _ = submit_form(
            form,
            lambda: services.post_message(user, subject, form.body.data, form.uploads()),
            "消息已发送。",
            check=lambda: services.validate_message(form.body.data, form.uploads()),
        )
        if done:
            return redirect(services.subject_url(subject))
    else:
        # Read before the page renders, so that its navigation already counts this thread as read.
        services.mark_read(user, subject)
        db.session.commit()
    return render_template(
        "messaging/thread.html",
        subject=subject,
        subject_title=services.subject_title(subject),
        subject_link=services.subject_url(subject),
        form=form if request.method == "POST" else None,
    )
