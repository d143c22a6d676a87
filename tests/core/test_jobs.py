"""Background jobs on the real queue (SQLite storage, or Redis in the PostgreSQL pass of scripts/test.sh):
mail leaves after the request and is never lost nor sent twice, the index drains, demands expire."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import func, select

from marketplace.core.jobs import huey
from marketplace.core.mail import deliver_mail, send_email
from marketplace.core.models import AuditLog, OutgoingMail, utcnow
from marketplace.core.timeutil import local_today
from marketplace.extensions import mail as flask_mail
from marketplace.matching import services as search
from marketplace.matching.models import SearchOutbox
from tests import factories

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class FakeSmtp:
    """Stands in for Flask-Mail's `send`: records what was sent, or fails like a real server."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []
        self.error: Exception | None = None
        self.seconds = 0.0  # how long one send takes

    def send(self, message) -> None:
        time.sleep(self.seconds)
        if self.error is not None:
            raise self.error
        self.sent.append((message.recipients[0], message.subject))


@pytest.fixture
def smtp(app, monkeypatch):
    fake = FakeSmtp()
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", False)
    monkeypatch.setattr(flask_mail, "send", fake.send)
    return fake


def outgoing(db) -> OutgoingMail:
    db.session.expire_all()
    return db.session.scalars(select(OutgoingMail)).one()


def queue_mail(db, to="ops@example.cn") -> int:
    row = send_email(to, "审核结果", "您的平台已通过审核。")
    db.session.commit()
    return row.id


def test_the_queue_is_the_configured_backend(app, jobs):
    expected = RedisStorage if app.config["JOBS_BACKEND"] == "redis" else SqliteStorage
    assert isinstance(huey.storage, expected)
    assert not huey.immediate


def test_a_request_returns_before_smtp_and_the_worker_delivers_the_mail(client, db, jobs, smtp, firm_user):
    response = client.post("/account/forgot", data={"email": firm_user.email})
    assert response.status_code == 302
    assert smtp.sent == []  # the request did not talk to the mail server
    row = outgoing(db)
    assert row.recipient == firm_user.email and row.sent_at is None and row.attempts == 0
    assert jobs.pending() == ["deliver_mail"]

    assert jobs.run() == 1
    assert smtp.sent == [(firm_user.email, "重置您的中试平台服务市场密码")]
    row = outgoing(db)
    assert row.sent_at is not None and row.attempts == 1 and row.next_attempt_at is None


def test_a_broker_that_is_down_fails_no_request_and_loses_no_mail(app, client, db, firm_user):
    from marketplace.core.jobs import init_jobs

    saved = {key: app.config[key] for key in ("JOBS_BACKEND", "JOBS_REDIS_URL", "JOBS_IMMEDIATE")}
    app.config.update(JOBS_BACKEND="redis", JOBS_REDIS_URL="redis://127.0.0.1:9/0", JOBS_IMMEDIATE=False)
    init_jobs(app)  # nothing listens on port 9
    try:
        response = client.post("/account/forgot", data={"email": firm_user.email})
    finally:
        app.config.update(saved)
        init_jobs(app)
    assert response.status_code == 302
    row = outgoing(db)  # kept for the periodic requeue once the queue is back
    assert row.recipient == firm_user.email and row.sent_at is None


def test_a_rolled_back_transaction_queues_no_mail(db, jobs, smtp):
    send_email("ops@example.cn", "不会发出", "回滚")
    db.session.rollback()
    assert jobs.pending() == [] and db.session.scalar(select(func.count(OutgoingMail.id))) == 0


def test_a_failed_delivery_is_recorded_and_retried_with_a_growing_delay(db, jobs, smtp):
    queue_mail(db)
    smtp.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    jobs.run()
    row = outgoing(db)
    assert row.sent_at is None and row.attempts == 1
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in row.last_error
    first_delay = row.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < first_delay <= timedelta(minutes=1)
    assert [task.name for task in huey.scheduled()] == ["deliver_mail"]  # Huey retries it

    jobs.run_scheduled(utcnow() + timedelta(minutes=2))  # the server is still down
    row = outgoing(db)
    assert row.sent_at is None and row.attempts == 2
    assert timedelta(seconds=110) < row.next_attempt_at - utcnow() <= timedelta(minutes=2)

    smtp.error = None
    jobs.run_scheduled(utcnow() + timedelta(minutes=3))
    assert smtp.sent == [("ops@example.cn", "审核结果")]
    row = outgoing(db)
    assert row.sent_at is not None and row.attempts == 3


def test_mail_whose_job_was_lost_is_queued_again_by_the_periodic_job(db, jobs, smtp):
    queue_mail(db)
    huey.flush()  # the queue is wiped (a Redis without persistence restarted, say)
    now = utcnow()
    assert "requeue_mail" in jobs.periodic_due(now)

    jobs.run_periodic(now)  # just written: its job may simply not have run yet
    assert smtp.sent == [] and outgoing(db).sent_at is None

    row = outgoing(db)
    row.next_attempt_at = now - timedelta(minutes=6)  # ... but now it is overdue
    db.session.commit()
    jobs.run_periodic(now)
    assert smtp.sent == [("ops@example.cn", "审核结果")]
    assert outgoing(db).sent_at is not None


def test_two_workers_racing_for_one_mail_send_it_once(db, jobs, smtp):
    mail_id = queue_mail(db)
    deliver_mail(mail_id)  # a second job for the same mail, e.g. from the periodic requeue
    assert jobs.pending() == ["deliver_mail", "deliver_mail"]
    smtp.seconds = 0.5  # slow server: the second worker comes while the first is still sending

    def worker():
        task = huey.dequeue()  # outside any app context, as in `flask jobs worker`'s threads
        huey.execute(task)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert smtp.sent == [("ops@example.cn", "审核结果")]
    row = outgoing(db)
    assert row.sent_at is not None and row.attempts == 1


def test_the_hourly_job_closes_overdue_demands_once(db, jobs):
    overdue = factories.DemandFactory(deadline=local_today() - timedelta(days=1))
    current = factories.DemandFactory()
    db.session.commit()
    on_the_hour, half_past = datetime(2030, 5, 6, 13, 0), datetime(2030, 5, 6, 13, 30)
    assert "expire_overdue_demands" in jobs.periodic_due(on_the_hour)
    assert "expire_overdue_demands" not in jobs.periodic_due(half_past)

    jobs.run_periodic(on_the_hour)
    db.session.expire_all()
    assert overdue.status == "expired" and current.status == "open"
    jobs.run_periodic(on_the_hour)  # idempotent: nothing more happens
    expired = select(func.count(AuditLog.id)).where(AuditLog.new_state == "expired")
    assert db.session.scalar(expired) == 1


def outbox_size(db) -> int:
    return db.session.scalar(select(func.count(SearchOutbox.id)))


def test_the_drain_job_empties_the_outbox(db, jobs):
    factories.OfferingFactory(title="队列里的冻干机")
    db.session.commit()
    assert outbox_size(db) >= 1
    assert "drain_outbox" in jobs.pending()
    jobs.run()
    assert outbox_size(db) == 0
    assert [hit.title for hit in search.search("冻干机").items] == ["队列里的冻干机"]


def test_the_periodic_drain_applies_work_left_by_a_crash(app, db, jobs, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_SYNC_DRAIN", False)  # as if the process died after the commit
    factories.OfferingFactory(title="崩溃后留下的喷雾干燥机")
    db.session.commit()
    assert jobs.pending() == [] and outbox_size(db) >= 1
    assert "drain_outbox_periodically" in jobs.periodic_due(utcnow())
    jobs.run_periodic(utcnow())
    assert outbox_size(db) == 0


def test_flask_jobs_worker_runs_queued_jobs_until_stopped(app, db, jobs, tmp_path):
    mail_id = queue_mail(db, to="worker@example.cn")
    settings = {
        key: app.config[key]
        for key in (
            "SQLALCHEMY_DATABASE_URI",
            "SEARCH_INDEX_DIR",
            "UPLOAD_DIR",
            "JOBS_BACKEND",
            "JOBS_SQLITE_PATH",
            "JOBS_REDIS_URL",
        )
    }
    settings.update(SECRET_KEY="test-secret", MAIL_SUPPRESS_SEND=True, SEARCH_WARMUP_TERMS=0, JOBS_WORKERS=1)
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                f"marketplace:create_app({settings!r})",
                "jobs",
                "worker",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            # The queued mail, then the periodic jobs the scheduler enqueues at start (the outbox drain,
            # the subscription scan, ...): the worker works through all of them.
            while time.monotonic() < deadline and worker.poll() is None:
                db.session.expire_all()
                if db.session.get(OutgoingMail, mail_id).sent_at is not None and not jobs.pending():
                    break
                time.sleep(0.2)
            db.session.rollback()
            assert db.session.get(OutgoingMail, mail_id).sent_at is not None, log_path.read_text()
            assert jobs.pending() == [], log_path.read_text()
        finally:
            worker.send_signal(signal.SIGTERM)  # systemd's stop: finish running jobs, then exit
            returncode = worker.wait(timeout=60)
    output = log_path.read_text()
    assert returncode == 0, output
    assert "后台任务 worker：队列" in output and "mail captured (not sent) to=worker@example.cn" in output
