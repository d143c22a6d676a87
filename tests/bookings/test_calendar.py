"""Calendars: an offering's free, booked and blocked time (never who booked), a platform's whole schedule,
a firm's own bookings; query arguments read safely."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.core.timeutil import local_today
from tests import factories
from tests.factories import local_day


@pytest.fixture
def reactor(db):
    """Two identical reactors, booked by the hour, open 08:00-18:00 every day."""
    offering = factories.OfferingFactory(
        title="50 L 玻璃反应釜",
        price_unit="hour",
        price_amount=300.0,
        booking_capacity=2,
        opening_hours=[{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)],
    )
    db.session.commit()
    return offering


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def week_day(html: str, day) -> str:
    """The text of one day of the week view."""
    week = html.split('<ol class="cal-week">')[1].split("\n  </ol>")[0]
    for chunk in week.split('<li class="cal-wday')[1:]:
        if f"{day.month}月{day.day}日" in _text(chunk.split("</h2>")[0]):
            return _text(chunk)
    raise AssertionError(f"{day} not in the week view")


def day_in_week_view(client, offering, day) -> str:
    html = client.get(f"/offerings/{offering.id}/calendar?view=week&week={day.isoformat()}")
    return week_day(html.get_data(as_text=True), day)


def month_cell(html: str, day) -> str:
    match = re.search(
        r'<li class="cal-day ([^"]*)">\s*<a class="cal-date"[^>]*aria-label="' + f"{day.month}月{day.day}日"
        r'[^"]*">.*?</li>',
        html,
        re.S,
    )
    assert match, f"{day} not in the month view"
    return match.group(1) + " | " + _text(match.group(0))


def test_week_view_shows_free_booked_and_blocked_time_for_a_capacity_of_two(client, db, reactor):
    one = local_day(5).date()
    factories.BookingFactory(offering=reactor, start_at=local_day(5, 9), end_at=local_day(5, 12))
    for _ in range(2):
        factories.BookingFactory(offering=reactor, start_at=local_day(6, 10), end_at=local_day(6, 12))
    factories.BookingFactory(  # a pending request holds nothing
        offering=reactor, start_at=local_day(6, 14), end_at=local_day(6, 16), status="requested"
    )
    factories.OfferingBlockFactory(
        offering=reactor, start_at=local_day(7, 13), end_at=local_day(7, 15), reason="设备年度维护"
    )
    db.session.commit()
    assert day_in_week_view(client, reactor, one).endswith(
        "08:00–09:00 空闲，剩 2 台/套 09:00–12:00 空闲，剩 1 台/套 12:00–18:00 空闲，剩 2 台/套"
    )
    assert day_in_week_view(client, reactor, one + timedelta(days=1)).endswith(
        "08:00–10:00 空闲，剩 2 台/套 10:00–12:00 已约满 12:00–18:00 空闲，剩 2 台/套"
    )
    assert day_in_week_view(client, reactor, one + timedelta(days=2)).endswith(
        "08:00–13:00 空闲，剩 2 台/套 13:00–15:00 停用：设备年度维护 15:00–18:00 空闲，剩 2 台/套"
    )


def test_month_view_marks_each_day_and_today(client, db, reactor):
    day = local_day(5)
    for _ in range(2):  # both units, all the open day
        factories.BookingFactory(offering=reactor, start_at=local_day(5, 8), end_at=local_day(5, 18))
    factories.BookingFactory(offering=reactor, start_at=local_day(6, 8), end_at=local_day(6, 18))
    factories.OfferingBlockFactory(
        offering=reactor, start_at=local_day(7), end_at=local_day(8), reason="检修"
    )
    db.session.commit()
    html = ""
    cells = {}
    for offset in (0, 5, 6, 7, 8):
        d = (day + timedelta(days=offset - 5)).date()
        html = client.get(f"/offerings/{reactor.id}/calendar?month={d:%Y-%m}").get_data(as_text=True)
        cells[offset] = month_cell(html, d)
    assert "st-booked" in cells[5] and "已约满" in cells[5]
    assert "st-partly" in cells[6] and "部分可约" in cells[6]
    assert "st-blocked" in cells[7] and "检修" in cells[7]
    assert "st-free" in cells[8] and "可预约" in cells[8]
    assert "today" in cells[0].split(" | ")[0] and "今天" in cells[0]
    assert "today" not in cells[8].split(" | ")[0]
    for label in ("可预约", "部分可约", "已约满", "停用", "不开放"):
        assert label in _text(html.split('class="cal-legend"')[1].split("</ul>")[0])


def test_a_whole_day_offering_shows_the_units_free_each_day(client, db):
    site = factories.OfferingFactory(kind="site", price_unit="day", booking_capacity=2)
    factories.BookingFactory(offering=site, start_at=local_day(10), end_at=local_day(12))
    db.session.commit()
    week = local_day(10).date()
    assert day_in_week_view(client, site, week).endswith("部分可约：剩 1 台/套")
    assert day_in_week_view(client, site, week + timedelta(days=1)).endswith("部分可约：剩 1 台/套")
    assert day_in_week_view(client, site, week + timedelta(days=2)).endswith("可预约：剩 2 台/套")
    html = client.get(f"/offerings/{site.id}/calendar?month={week:%Y-%m}").get_data(as_text=True)
    assert "部分可约 1 台" in month_cell(html, week)


def test_nobody_learns_from_the_calendar_who_booked(client, auth, db, reactor):
    booking = factories.BookingFactory(
        offering=reactor, start_at=local_day(5, 9), end_at=local_day(5, 12), note="菌株 ZS-42"
    )
    firm = booking.requested_by
    operator = factories.UserFactory(role="operator", organization=reactor.platform.organization)
    other = factories.UserFactory(role="firm")
    db.session.commit()
    url = f"/offerings/{reactor.id}/calendar?view=week&week={local_day(5).date().isoformat()}"
    for user in (None, other, firm, operator):
        if user is not None:
            auth.as_(user)
        html = client.get(url).get_data(as_text=True)
        assert "剩 1 台/套" in html
        body = html.split("<main")[1].split("</main>")[0]
        for secret in (firm.organization.name, firm.name, booking.ref, "ZS-42", f"/bookings/{booking.id}"):
            assert secret not in body


@pytest.mark.parametrize(
    "query, message",
    [
        ("view=year", "视图参数 view 只能是 month"),
        ("month=2026-13", "月份应为 01 到 12"),
        ("month=abc", "月份参数 month 应写作"),
        ("month=2026-3", "月份参数 month 应写作"),
        ("view=week&week=2026-02-30", "日期 2026-02-30 不存在"),
        ("view=week&week=99999-01-01", "周参数 week 应写作"),
        ("month=1900-01", "只能查看前后 5 年内的日历"),
        ("view=week&week=2999-01-01", "只能查看前后 5 年内的日历"),
    ],
)
def test_bad_calendar_arguments_answer_400_with_a_message(client, reactor, query, message):
    response = client.get(f"/offerings/{reactor.id}/calendar?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_calendar_paging_stays_within_its_bounds(client, reactor):
    html = client.get(f"/offerings/{reactor.id}/calendar").get_data(as_text=True)
    this_month = local_today().replace(day=1)
    following = (this_month + timedelta(days=32)).replace(day=1)
    assert f"month={following:%Y-%m}" in html and "下一月" in html
    assert client.get(f"/offerings/{reactor.id}/calendar?month={following:%Y-%m}").status_code == 200
    far = this_month.replace(year=this_month.year + 5)
    html = client.get(f"/offerings/{reactor.id}/calendar?month={far:%Y-%m}").get_data(as_text=True)
    assert "下一月" not in html  # no link to a month that would be refused


def test_only_public_bookable_offerings_have_a_calendar(client, db):
    service = factories.OfferingFactory(kind="service", is_bookable=False)
    paused = factories.OfferingFactory(status="paused")
    db.session.commit()
    assert client.get(f"/offerings/{service.id}/calendar").status_code == 404
    assert client.get(f"/offerings/{paused.id}/calendar").status_code == 404
    assert client.get("/offerings/987654/calendar").status_code == 404


@pytest.fixture
def schedule(db, reactor):
    """The reactor's platform with an operator, bookings of two firms in several states, a block."""
    operator = factories.UserFactory(role="operator", organization=reactor.platform.organization)
    accepted = factories.BookingFactory(offering=reactor, start_at=local_day(5, 9), end_at=local_day(5, 12))
    requested = factories.BookingFactory(
        offering=reactor, start_at=local_day(5, 13), end_at=local_day(5, 15), status="requested"
    )
    declined = factories.BookingFactory(
        offering=reactor, start_at=local_day(5, 15), end_at=local_day(5, 16), status="declined"
    )
    elsewhere = factories.BookingFactory(start_at=local_day(5, 9), end_at=local_day(5, 12))
    factories.OfferingBlockFactory(
        offering=reactor, start_at=local_day(5, 16), end_at=local_day(5, 17), reason="内部使用"
    )
    db.session.commit()
    return operator, accepted, requested, declined, elsewhere


def test_a_platform_sees_its_whole_schedule_with_the_firms(client, auth, reactor, schedule):
    operator, accepted, requested, declined, elsewhere = schedule
    auth.as_(operator)
    week = local_day(5).date().isoformat()
    html = client.get(f"/my/platforms/{reactor.platform_id}/schedule?view=week&week={week}").get_data(
        as_text=True
    )
    text = _text(html)
    assert f"09:00–12:00 {reactor.title} 企业：{accepted.organization.name} 已确认" in text
    assert f"13:00–15:00 {reactor.title} 企业：{requested.organization.name} 待受理" in text
    assert f"/bookings/{accepted.id}" in html
    assert declined.organization.name not in text
    assert f"16:00–17:00 {reactor.title} 停用 内部使用" in text
    assert elsewhere.organization.name not in text and elsewhere.title not in text
    month = client.get(f"/my/platforms/{reactor.platform_id}/schedule?month={local_day(5):%Y-%m}")
    assert accepted.organization.name in month.get_data(as_text=True)


def test_another_platform_and_firms_cannot_open_a_schedule(client, auth, db, reactor, schedule):
    outsider = factories.UserFactory(role="operator")
    admin = factories.UserFactory(role="admin")
    db.session.commit()
    url = f"/my/platforms/{reactor.platform_id}/schedule"
    auth.as_(outsider)
    assert client.get(url).status_code == 404
    auth.as_(schedule[1].requested_by)
    assert client.get(url).status_code == 403
    auth.as_(admin)
    assert client.get(url).status_code == 200
    assert client.get(f"{url}?view=day").status_code == 400


def test_a_firm_sees_its_own_bookings_only(client, auth, db, reactor, schedule):
    _, accepted, _, _, elsewhere = schedule
    firm = accepted.requested_by
    cancelled = factories.BookingFactory(
        requested_by=firm,
        offering=reactor,
        start_at=local_day(5, 15),
        end_at=local_day(5, 16),
        status="cancelled",
    )
    db.session.commit()
    auth.as_(firm)
    html = client.get(f"/my/calendar?view=week&week={local_day(5).date().isoformat()}").get_data(as_text=True)
    text = _text(html)
    assert f"09:00–12:00 {reactor.title} 平台：{reactor.platform.name} 已确认" in text
    assert f"/bookings/{accepted.id}" in html
    assert f"/bookings/{cancelled.id}" not in html
    assert f"/bookings/{elsewhere.id}" not in html and elsewhere.title not in text


def test_past_days_are_not_offered(client, reactor):
    yesterday = local_today() - timedelta(days=1)
    html = client.get(f"/offerings/{reactor.id}/calendar?view=week&week={yesterday.isoformat()}")
    assert week_day(html.get_data(as_text=True), yesterday).endswith("已过")


def test_days_inside_the_notice_are_not_offered(client, db, reactor):
    """Found by a first-time user: today showed 可约 although requests need 72 hours' notice."""
    reactor.min_notice_hours = 72
    db.session.commit()
    today = local_today()
    html = client.get(f"/offerings/{reactor.id}/calendar?view=week&week={today.isoformat()}").get_data(
        as_text=True
    )
    assert week_day(html, today).endswith("需提前预约")


def test_an_offerings_calendar_reads_the_offering_and_its_platform_in_one_statement(client, db, reactor):
    """The public calendar names the offering and its platform: one statement for both, none for their
    label lists. Each day links to its week."""
    from tests.catalog.test_catalog import Statements

    path = f"/offerings/{reactor.id}/calendar"
    with Statements(db.engine) as statements:
        html = client.get(path).get_data(as_text=True)
    labels = ("offering_domains", "platform_domains", "platform_certifications")
    assert not [sql for sql in statements.sql if any(f"FROM {table}" in sql for table in labels)]
    assert len([sql for sql in statements.sql if "FROM platforms" in sql or "JOIN platforms" in sql]) == 1
    today = local_today().isoformat()
    assert f'href="{path}?view=week&amp;week={today}"' in html
    assert client.get(f"{path}?view=week&week={today}").status_code == 200


def test_the_public_calendar_is_kept_for_visitors_until_the_hour_or_a_change(client, db, reactor, freeze_now):
    """Kept for anonymous visitors like the catalogue's pages, but only within the hour: the days the
    notice still allows change when now + notice passes a local midnight, which is on the hour."""
    reactor.min_notice_hours = 3
    db.session.commit()
    day = date(2026, 3, 2)
    path = f"/offerings/{reactor.id}/calendar?view=week&week={day.isoformat()}"
    freeze_now(datetime(2026, 3, 2, 12, 30, tzinfo=UTC))  # 20:30 in Jinan: the day may still be requested
    first = client.get(path)
    assert not week_day(first.get_data(as_text=True), day).endswith("需提前预约")
    assert client.get(path).headers["X-Page-Cache"] == "hit"

    freeze_now(datetime(2026, 3, 2, 13, 5, tzinfo=UTC))  # 21:05, same day: 3 hours ahead is tomorrow
    assert week_day(client.get(path).get_data(as_text=True), day).endswith("需提前预约")

    tomorrow = day + timedelta(days=1)
    before = day_in_week_view(client, reactor, tomorrow)
    assert day_in_week_view(client, reactor, tomorrow) == before  # kept
    factories.BookingFactory(
        offering=reactor, start_at=local_day(1, 9), end_at=local_day(1, 17), status="accepted"
    )
    db.session.commit()  # a booking shows at once
    assert day_in_week_view(client, reactor, tomorrow) != before
