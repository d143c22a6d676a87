"""Uploaded files: type recognised by content, stored under a generated name outside static/."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app, send_file

from .errors import DomainError

#: Allowed uploads, recognised by their first bytes, never by name or declared type.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(filename: str, data: bytes) -> dict:
    """Check and store one file; returns the attachment columns (filename, stored_name, content_type, size)."""
    if not data:
        raise DomainError(("file", "请选择要上传的文件。"))
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        raise DomainError(("file", "文件过大（单个文件不超过 8 MB）。"))
    kind = sniff(data[:16])
    if kind is None:
        raise DomainError(("file", "只支持 PNG、JPEG、WebP 图片和 PDF 文件。"))
    content_type, ext = kind
    stored = secrets.token_hex(16) + ext
    (upload_dir() / stored).write_bytes(data)
    safe_name = "".join(c for c in Path(filename or "file").name if c.isprintable())[:200] or "file"
    return {"filename": safe_name, "stored_name": stored, "content_type": content_type, "size": len(data)}


def accept_upload(form, add) -> None:
    """View helper: take the file from `form`, store it with `add(filename, data)`, commit, flash."""
    from flask import flash

    from ..extensions import db

    if not form.validate_on_submit():
        return
    file = form.file.data
    try:
        add(getattr(file, "filename", ""), file.read() if file else b"")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.errors[0][1], "error")
    else:
        db.session.commit()
        flash("附件已上传。", "success")


def serve_upload(attachment):
    """Send a stored file: images inline, anything else as a download; never sniffed, never scripted."""
    path = upload_dir() / attachment.stored_name
    if not path.exists():
        return None
    is_image = attachment.content_type.startswith("image/")
    response = send_file(path, mimetype=attachment.content_type, as_attachment=not is_image,
                         download_name=attachment.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
