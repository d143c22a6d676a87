"""Time: aware UTC in Python, UTC in the database, Asia/Shanghai for "today" and on pages."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from marketplace.accounts.models import LoginThrottle
from marketplace.core import timeutil
from marketplace.core.models import utcnow
from marketplace.notifications.models import Notification
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]


def test_now_is_aware_utc():
    now = utcnow()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)


def test_today_is_the_shanghai_date(app, freeze_now, monkeypatch):
    freeze_now(datetime(2026, 3, 1, 17, 0, tzinfo=UTC))  # 01:00 on 2 March in Shanghai
    with app.app_context():
        assert timeutil.local_today() == date(2026, 3, 2)
        assert timeutil.local_now().strftime("%Y-%m-%d %H:%M %z") == "2026-03-02 01:00 +0800"
        monkeypatch.setitem(app.config, "TIMEZONE", "UTC")
        assert timeutil.local_today() == date(2026, 3, 1)  # the zone is a setting


def test_timestamps_are_stored_as_utc_and_read_back_aware(db, freeze_now):
    freeze_now(datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    notice = factories.NotificationFactory()  # created_at from the clock
    notice.read_at = datetime(2026, 3, 1, 9, 30, tzinfo=SHANGHAI)  # any zone is converted to UTC
    db.session.commit()
    raw = db.session.execute(text("SELECT created_at, read_at FROM notifications")).one()
    # UTC without a zone (DATETIME / TIMESTAMP WITHOUT TIME ZONE), as before: no data migration.
    assert [str(value)[:19] for value in raw] == ["2026-03-01 00:00:00", "2026-03-01 01:30:00"]
    assert not any("+" in str(value) for value in raw)
    db.session.expire_all()
    stored = db.session.scalar(select(Notification))
    assert stored.created_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC) and stored.created_at.tzinfo is UTC
    assert stored.read_at == datetime(2026, 3, 1, 1, 30, tzinfo=UTC) and stored.read_at.tzinfo is UTC


def test_rows_written_before_the_change_read_as_utc(db):
    db.session.execute(
        text(
            "INSERT INTO login_throttles (key, attempts, window_start)"
            " VALUES ('account:old@example.cn', 1, '2026-03-01 00:00:00')"
        )
    )
    stored = db.session.execute(select(LoginThrottle.window_start)).scalar_one()
    assert stored == datetime(2026, 3, 1, 8, 0, tzinfo=SHANGHAI) and stored.tzinfo is UTC


def test_a_naive_datetime_is_refused(db):
    notice = factories.NotificationFactory()
    notice.read_at = datetime(2026, 3, 1, 8, 0)  # which zone? a bug, not a value to guess at
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.scalar(select(Notification.id).where(Notification.created_at < datetime(2026, 3, 1)))
    with pytest.raises(ValueError, match="naive datetime"):
        timeutil.to_local(datetime(2026, 3, 1))


def test_pages_show_local_time_and_name_the_zone(client, auth, db, firm_user):
    factories.NotificationFactory(
        user_id=firm_user.id, message="审核结果已出", created_at=datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    )
    db.session.commit()
    auth.as_(firm_user)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "2026-03-01 08:00" in page and "2026-03-01 00:00" not in page
    assert "页面时间均为北京时间" in page


def test_date_filter_shows_the_local_date_of_a_timestamp(app):
    with app.app_context():
        template = "{{ moment|d }} / {{ day|d }} / {{ moment|dt }} / {{ none|dt }}"
        render = app.jinja_env.from_string(template).render
        assert render(moment=datetime(2026, 3, 1, 17, 0, tzinfo=UTC), day=date(2026, 3, 1)) == (
            "2026-03-02 / 2026-03-01 / 2026-03-02 01:00 / "
        )


NAIVE_CLOCK = re.compile(r"\bdate\.today\(|\bdatetime\.(now\(\)|today\(|utcnow\(|(utc)?fromtimestamp\()")


@pytest.mark.parametrize("folder", ["marketplace", "tests", "bench"])
def test_no_naive_clock_is_read_anywhere(folder):
    """Server-local or naive "now" would be 8 hours off in Shandong: every clock read goes through
    core.timeutil (utcnow, local_now, local_today)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if NAIVE_CLOCK.search(line)
    ]
    assert offenders == []
