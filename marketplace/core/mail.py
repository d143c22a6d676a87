"""Outgoing mail: stored with the transaction that sends it, delivered by a background job.

`send_email` writes an `OutgoingMail` row and enqueues `deliver_mail` after the commit, so a request
never waits on SMTP and a rollback sends nothing. The job claims the row atomically (two workers never
send one mail), sends it with Flask-Mail, and on failure records the error and asks Huey to retry
after a doubling delay. Every minute `requeue_mail` queues again any mail whose attempt is overdue
(its job was lost with a wiped queue or a crashed worker). With MAIL_SUPPRESS_SEND (development and
tests) a mail is written to the log and kept in app.extensions["captured_mail"] instead of sent.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_mail import Message
from huey import RetryTask
from sqlalchemy import or_, select, update

from ..extensions import db, mail
from .jobs import crontab, enqueue, enqueue_after_commit, periodic_task, task
from .models import OutgoingMail, utcnow

log = logging.getLogger("marketplace.mail")

#: How long a worker may take to send a claimed mail before another may try it.
CLAIM_LEASE = timedelta(minutes=10)
MAX_RETRY_DELAY = timedelta(hours=1)


def send_email(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> OutgoingMail:
    """Store the mail in the current transaction; a job delivers it once the transaction commits."""
    outgoing = OutgoingMail(recipient=to, subject=subject, body=body, headers=headers or None)
    db.session.add(outgoing)
    db.session.flush()  # the id travels in the job
    enqueue_after_commit(db.session(), deliver_mail, outgoing.id, key=f"mail:{outgoing.id}")
    return outgoing


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: MAIL_RETRY_DELAY, doubled each time, at most an hour."""
    first = current_app.config["MAIL_RETRY_DELAY"]
    return min(first * 2 ** min(attempts - 1, 16), MAX_RETRY_DELAY)


def deliver(mail_id: int) -> bool:
    """Send one stored mail unless it is sent, given up or held by another worker. Returns whether this
    call sent it. A failure is recorded on the row and raised as Huey's RetryTask with the delay."""
    now = utcnow()
    claimed = (
        db.session.execute(
            update(OutgoingMail)
            .where(
                OutgoingMail.id == mail_id,
                OutgoingMail.sent_at.is_(None),
                OutgoingMail.next_attempt_at.is_not(None),
                or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
            )
            .values(claimed_until=now + CLAIM_LEASE, attempts=OutgoingMail.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    db.session.commit()  # the claim is visible to every other worker before anything is sent
    if not claimed:
        log.info("mail %s already sent, given up or being sent by another worker", mail_id)
        return False
    outgoing = db.session.get(OutgoingMail, mail_id)
    try:
        _send(outgoing)
    except Exception as exc:
        delay = retry_delay(outgoing.attempts)
        gave_up = outgoing.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
        outgoing.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        outgoing.claimed_until = None
        outgoing.next_attempt_at = None if gave_up else utcnow() + delay
        db.session.commit()
        if gave_up:
            log.error(
                "mail %s to %s given up after %d attempts: %s",
                mail_id,
                outgoing.recipient,
                outgoing.attempts,
                outgoing.last_error,
            )
            return False
        log.warning(
            "mail %s to %s failed (attempt %d), retry in %s: %s",
            mail_id,
            outgoing.recipient,
            outgoing.attempts,
            delay,
            outgoing.last_error,
        )
        raise RetryTask(outgoing.last_error, delay=delay.total_seconds()) from exc
    outgoing.sent_at = utcnow()
    outgoing.claimed_until = outgoing.next_attempt_at = None
    db.session.commit()
    return True


def _send(outgoing: OutgoingMail) -> None:
    app = current_app._get_current_object()
    if app.config.get("MAIL_SUPPRESS_SEND", True):
        log.info(
            "mail captured (not sent) to=%s subject=%s\n%s",
            outgoing.recipient,
            outgoing.subject,
            outgoing.body,
        )
        captured = app.extensions.setdefault("captured_mail", [])
        captured.append(
            {
                "to": outgoing.recipient,
                "subject": outgoing.subject,
                "body": outgoing.body,
                "headers": outgoing.headers or {},
            }
        )
        del captured[:-100]  # keep the last hundred for tests and the dev console
        return
    mail.send(
        Message(
            subject=outgoing.subject,
            recipients=[outgoing.recipient],
            body=outgoing.body,
            extra_headers=outgoing.headers or None,
        )
    )


def requeue_due(now=None) -> int:
    """Queue again every unsent mail whose attempt is MAIL_REQUEUE_AFTER overdue. Returns the count."""
    now = now or utcnow()
    overdue = now - current_app.config["MAIL_REQUEUE_AFTER"]
    ids = list(
        db.session.scalars(
            select(OutgoingMail.id)
            .where(
                OutgoingMail.next_attempt_at <= overdue,
                or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
            )
            .order_by(OutgoingMail.id)
            .limit(500)
        )
    )
    if not ids:
        return 0
    # Due again from now: a busy queue is not mistaken for a lost job at the next run.
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id.in_(ids))
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.warning("requeueing %d mail(s) whose delivery job was lost", len(ids))
    for mail_id in ids:
        enqueue(deliver_mail, mail_id)
    return len(ids)


@task()
def deliver_mail(mail_id: int) -> None:
    """Deliver one stored mail (retried by Huey with a doubling delay while it fails)."""
    deliver(mail_id)


@periodic_task(crontab(minute="*"))
def requeue_mail() -> None:
    """Every minute: put mail whose delivery job was lost back on the queue."""
    requeue_due()
