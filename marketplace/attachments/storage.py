"""Stored files: recognised by their first bytes, kept under random names in UPLOAD_DIR, written
before the commit and removed again when the transaction does not commit."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..core.errors import DomainError

log = logging.getLogger("marketplace.attachments")

#: Allowed uploads, recognised by their first bytes, never by name or declared type.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
#: The `accept` attribute of file inputs (a hint for the browser; the content check decides).
ACCEPT = "image/png,image/jpeg,image/webp,application/pdf"

_NEW_FILES = "attachments_new_files"


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a supported file from its first 16 bytes, else None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def max_size_text() -> str:
    return f"{current_app.config['UPLOAD_MAX_BYTES'] / (1024 * 1024):g} MB"


def check(data: bytes) -> tuple[str, str]:
    """Refuse empty, oversized and unrecognised files; return (content type, extension)."""
    if not data:
        raise DomainError(("file", "请选择要上传的文件。"))
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        raise DomainError(("file", f"文件过大（单个文件不超过 {max_size_text()}）。"))
    kind = sniff(data[:16])
    if kind is None:
        raise DomainError(("file", "只支持 PNG、JPEG、WebP 图片和 PDF 文件。"))
    return kind


def safe_filename(filename: str | None) -> str:
    """The uploader's file name without directories or control characters, for display only."""
    return "".join(c for c in Path(filename or "file").name if c.isprintable())[:200] or "file"


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name: str) -> Path:
    return upload_dir() / stored_name


def save(session: Session, data: bytes, ext: str) -> str:
    """Write `data` under a new random name; the file is removed again unless `session` commits."""
    if not session.in_transaction():
        session.begin()
    stored_name = secrets.token_hex(16) + ext
    path = path_of(stored_name)
    path.write_bytes(data)
    session.info.setdefault(_NEW_FILES, []).append(path)
    return stored_name


def remove(paths) -> None:
    """Delete stored files; a file already gone is fine, a failure is logged, never raised."""
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:
            log.exception("could not remove stored file %s", path)


@event.listens_for(Session, "after_commit")
def _keep_new_files(session: Session) -> None:
    # A savepoint release also fires after_commit; only the outermost commit makes files permanent.
    if not session.in_nested_transaction():
        session.info.pop(_NEW_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted_files(session: Session, transaction) -> None:
    # The outermost transaction ended without committing (rollback, or close after a failure).
    if transaction.parent is None:
        remove(session.info.pop(_NEW_FILES, ()))
