"""Outgoing mail: queued until the transaction commits; captured to the log in development."""

from __future__ import annotations

import logging

from flask import current_app
from flask_mail import Message

from ..core.hooks import after_commit
from ..extensions import db, mail

log = logging.getLogger("marketplace.mail")


def send_email(to: str, subject: str, body: str) -> None:
    """Send after the current transaction commits; with MAIL_SUPPRESS_SEND the mail is only logged."""
    app = current_app._get_current_object()

    def deliver() -> None:
        with app.app_context():
            if app.config.get("MAIL_SUPPRESS_SEND", True):
                log.info("mail captured (not sent) to=%s subject=%s\n%s", to, subject, body)
                outbox = app.extensions.setdefault("captured_mail", [])
                outbox.append({"to": to, "subject": subject, "body": body})
                del outbox[:-100]  # keep the last hundred for tests and the dev console
                return
            mail.send(Message(subject=subject, recipients=[to], body=body))

    after_commit(db.session(), deliver)
