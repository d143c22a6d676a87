"""Upload, delete and the one guarded download of attachments, whoever owns them."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, send_file
from flask_login import current_user, login_required

from ..core.auth import acting_user, or_404
from ..core.errors import DomainError
from ..extensions import db
from . import services, storage
from .forms import AttachmentForm

bp = Blueprint("attachments", __name__)
log = logging.getLogger("marketplace.attachments")


@bp.app_template_global()
def attachment_form(label: str = "上传图片或 PDF（单个不超过 {max_size}）") -> AttachmentForm:
    """The upload form for `_macros/attachments.html`, labelled for its owner (`{max_size}` is filled in)."""
    form = AttachmentForm()
    form.file.label.text = label.format(max_size=storage.max_size_text())
    return form


@bp.route("/attachments/<owner_type>/<int:owner_id>", methods=["POST"])
@login_required
def upload(owner_type: str, owner_id: int):
    with or_404():
        owner = services.get_owner(acting_user(), owner_type, owner_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            services.add_attachment(acting_user(), owner, form.file.data, purpose=form.purpose.data or None)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.errors[0][1], "error")
        else:
            db.session.commit()
            flash("附件已上传。", "success")
    else:
        flash("；".join([*form.file.errors, *form.form_errors]) or "请选择要上传的文件。", "error")
    return redirect(services.owner_url(owner))


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete(attachment_id: int):
    with or_404():
        attachment = services.get_managed(acting_user(), attachment_id)
        owner = attachment.owner
        services.remove_attachment(acting_user(), attachment)
    db.session.commit()
    flash("附件已删除。", "info")
    return redirect(services.owner_url(owner))


@bp.route("/attachments/<int:attachment_id>")
def serve(attachment_id: int):
    """Send a stored file: images inline, anything else as a download; never sniffed, never scripted."""
    with or_404():
        attachment = services.get_visible(current_user, attachment_id)
    path = storage.path_of(attachment.stored_name)
    if not path.exists():
        log.error("stored file missing attachment=%s stored_name=%s", attachment.id, attachment.stored_name)
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=not attachment.is_image,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
