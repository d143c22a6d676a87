"""The worker pushes subscriptions every minute and mails the digests on schedule (08:05 daily and
Monday 08:10, Beijing time; the queue's clock is UTC)."""

from datetime import datetime

from sqlalchemy import select

from marketplace.notifications.models import Notification
from marketplace.subscriptions import services
from tests import factories


def test_the_minute_job_pushes_and_the_morning_job_mails_the_digest(db, jobs, mail):
    services.scan()  # the reader starts at the end of the log
    user = factories.UserFactory()
    services.follow(user, "domain", "生物医药")
    db.session.commit()
    factories.OfferingFactory(title="冻干机")
    db.session.commit()

    minute, morning, monday = (
        datetime(2030, 5, 7, 9, 31),
        datetime(2030, 5, 7, 0, 5),
        datetime(2030, 5, 6, 0, 10),
    )
    assert "scan_subscriptions" in jobs.periodic_due(minute)
    assert "daily_digests" not in jobs.periodic_due(minute)
    assert "daily_digests" in jobs.periodic_due(morning) and "weekly_digests" not in jobs.periodic_due(
        morning
    )
    assert "weekly_digests" in jobs.periodic_due(monday)  # 2030-05-06 is a Monday

    jobs.run_periodic(minute)
    notice = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
    assert notice is not None and "冻干机" in notice.message
    assert [m for m in mail if m["to"] == user.email] == []
    jobs.run_periodic(morning)
    assert [m["subject"] for m in mail if m["to"] == user.email] == ["中试平台服务市场每日摘要：1 条新信息"]
