"""Dashboards: what waits for a platform and for how long, its schedule, utilisation, revenue, ratings
and response time over a chosen period; a firm's own inquiries, proposals, bookings and to-dos."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from marketplace.bookings import availability, dashboards
from marketplace.core.errors import DomainError
from tests import factories

LOCAL = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 on 10 March in Shandong


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A local moment of 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL)


def text_of(response) -> str:
    """The page's text without tags and with collapsed spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def rows_of(response, table_id: str) -> list[str]:
    """The text of each body row of the table with this id."""
    html = response.get_data(as_text=True)
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def platform(db, freeze_now):
    freeze_now(NOW)
    return factories.PlatformFactory(name="青岛发酵中试平台")


@pytest.fixture
def operator(db, platform):
    return factories.UserFactory(role="operator", organization=platform.organization)


def _login(auth, db, user):
    db.session.commit()
    auth.as_(user)


# ---------------------------------------------------------------- waiting work


def _waiting_world(platform):
    offering = factories.OfferingFactory(platform=platform, title="500 L 发酵罐")
    overdue_request = factories.BookingFactory(
        offering=offering, status="requested", title="超时的预约申请", created_at=NOW - timedelta(hours=30)
    )
    fresh_request = factories.BookingFactory(
        offering=offering, status="requested", title="新的预约申请", created_at=NOW - timedelta(hours=2)
    )
    overdue_inquiry = factories.InquiryFactory(
        offering__platform=platform, subject="超时的咨询", created_at=NOW - timedelta(hours=25)
    )
    fresh_inquiry = factories.InquiryFactory(
        offering__platform=platform, subject="新的咨询", created_at=NOW - timedelta(minutes=50)
    )
    # Not waiting for this platform: answered, closed, or another platform's.
    factories.BookingFactory(offering=offering, status="accepted", created_at=NOW - timedelta(hours=50))
    factories.InquiryFactory(offering__platform=platform, status="accepted", subject="已接受的咨询")
    factories.BookingFactory(status="requested", title="别的平台的申请", created_at=NOW - timedelta(hours=40))
    return overdue_request, fresh_request, overdue_inquiry, fresh_inquiry


def test_waiting_work_lists_overdue_first_with_how_long_each_waited(db, platform):
    overdue_request, fresh_request, overdue_inquiry, fresh_inquiry = _waiting_world(platform)

    waiting = dashboards.platform_waiting(platform)

    assert [i.obj for i in waiting] == [overdue_request, overdue_inquiry, fresh_request, fresh_inquiry]
    assert [i.is_overdue for i in waiting] == [True, True, False, False]
    assert [i.waited_text for i in waiting] == ["1 天 6 小时", "1 天 1 小时", "2 小时 0 分钟", "50 分钟"]


def test_the_platform_page_flags_overdue_requests_and_inquiries(client, auth, db, platform, operator):
    overdue_request, _, overdue_inquiry, _ = _waiting_world(platform)
    _login(auth, db, operator)

    response = client.get(f"/workbench/platforms/{platform.id}")

    assert response.status_code == 200
    rows = rows_of(response, "waiting")
    assert [row.split(" ")[1] for row in rows] == ["超时的预约申请", "超时的咨询", "新的预约申请", "新的咨询"]
    assert all("已超时" in row for row in rows[:2]) and not any("已超时" in row for row in rows[2:])
    assert "1 天 6 小时" in rows[0] and "50 分钟" in rows[3]
    html = response.get_data(as_text=True)
    assert html.count('<tr class="overdue">') == 2
    assert "4 项，其中 2 项已超时" in text_of(response)
    assert "别的平台的申请" not in html and "已接受的咨询" not in html
    # each waiting item opens where it is answered (inquiries were plain text: a wrong endpoint)
    assert f'href="/bookings/{overdue_request.id}"' in html
    assert f'href="/inquiries/{overdue_inquiry.id}"' in html


def test_response_target_comes_from_the_setting(app, db, platform):
    factories.BookingFactory(
        offering__platform=platform, status="requested", created_at=NOW - timedelta(hours=5)
    )
    app.config["RESPONSE_TARGET_HOURS"] = 4
    try:
        assert [i.is_overdue for i in dashboards.platform_waiting(platform)] == [True]
    finally:
        app.config["RESPONSE_TARGET_HOURS"] = 24


def test_proposals_awaiting_the_firm_and_the_next_fourteen_days(client, auth, db, platform, operator):
    factories.ProposalFactory(platform=platform, title="待答复的方案", created_at=NOW - timedelta(days=3))
    factories.ProposalFactory(platform=platform, title="已被接受的方案", status="accepted")
    offering = factories.OfferingFactory(platform=platform, title="中试反应釜")
    factories.BookingFactory(offering=offering, start_at=at(3, 13), end_at=at(3, 14), title="三天后的预约")
    factories.BookingFactory(
        offering=offering, status="in_progress", start_at=at(3, 9), end_at=at(3, 11), title="正在进行的预约"
    )
    factories.BookingFactory(offering=offering, start_at=at(3, 30), end_at=at(3, 31), title="二十天后的预约")
    factories.BookingFactory(
        offering=offering, status="requested", start_at=at(3, 12), end_at=at(3, 13), title="未受理的申请"
    )
    _login(auth, db, operator)

    response = client.get(f"/workbench/platforms/{platform.id}")

    html = response.get_data(as_text=True)
    assert "待答复的方案" in html and "3 天 0 小时" in html and "已被接受的方案" not in html
    schedule = dashboards.upcoming_schedule(platform)
    assert [b.title for b in schedule] == ["正在进行的预约", "三天后的预约"]
    assert "二十天后的预约" not in html


# ---------------------------------------------------------------- utilisation


@pytest.fixture
def reactors(db, platform):
    """Two identical reactors open 08:00-18:00 every day: 2 × 10 h × 7 days = 140 unit-hours a week."""
    return factories.OfferingFactory(
        platform=platform,
        title="双联 50 L 反应釜",
        price_unit="hour",
        price_amount=300.0,
        booking_capacity=2,
        opening_hours=[{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)],
    )


WEEK = dashboards.Period(date(2026, 3, 2), date(2026, 3, 8))


def test_utilisation_is_booked_unit_hours_over_open_unit_hours(db, platform, reactors):
    def book(start, end, quantity=1, status="accepted", offering=reactors):
        factories.BookingFactory(
            offering=offering, start_at=start, end_at=end, quantity=quantity, status=status
        )

    book(at(3, 2, 8), at(3, 2, 18), quantity=2, status="confirmed")  # 20 unit-hours
    book(at(3, 4, 9), at(3, 4, 13), status="completed")  # 4
    book(at(3, 8, 14), at(3, 8, 18), status="in_progress")  # 4 → 28 of 140
    book(at(3, 5, 8), at(3, 5, 18), quantity=2, status="requested")  # pending requests hold nothing
    book(at(3, 6, 8), at(3, 6, 18), status="cancelled")
    book(at(3, 7, 8), at(3, 7, 18), status="no_show")
    book(at(3, 9, 8), at(3, 9, 18))  # after the period
    # A site open around the clock (7 × 24 = 168 h), one day of it blocked (144 h left); two bookings
    # cross the period's edges and count only inside it (12 h + 12 h).
    site = factories.OfferingFactory(platform=platform, kind="site", title="中试车间")
    factories.OfferingBlockFactory(offering=site, start_at=at(3, 5), end_at=at(3, 6))
    book(at(3, 1, 12), at(3, 2, 12), offering=site)
    book(at(3, 8, 12), at(3, 9, 12), offering=site)
    factories.OfferingFactory(platform=platform, title="不可预约的设备", is_bookable=False)
    factories.BookingFactory(start_at=at(3, 3, 8), end_at=at(3, 3, 18))  # another platform's

    usage = {u.offering.title: u for u in dashboards.platform_utilisation(platform, WEEK)}

    assert set(usage) == {"双联 50 L 反应釜", "中试车间"}
    assert (usage["双联 50 L 反应釜"].booked, usage["双联 50 L 反应釜"].open) == (28, 140)
    assert usage["双联 50 L 反应釜"].percent_text == "20.0 %"
    assert (usage["中试车间"].booked, usage["中试车间"].open) == (24, 144)
    assert usage["中试车间"].percent_text == "16.7 %"
    # The database's sums agree with the foundation's per-offering computation.
    for u in usage.values():
        assert availability.utilisation(u.offering, WEEK.start, WEEK.end) == pytest.approx((u.booked, u.open))


def test_a_site_open_around_the_clock_is_open_24_hours_a_day_over_a_month(db, platform):
    """Found by a first-time user: 30 days of a 24/7 site showed 840 open hours (its days merged into
    one interval that was counted as one weekday's)."""
    site = factories.OfferingFactory(platform=platform, kind="site", title="中试车间")
    month = dashboards.Period(date(2026, 3, 1), date(2026, 3, 30))
    (usage,) = dashboards.platform_utilisation(platform, month)
    assert usage.open == 30 * 24 == availability.open_hours(site, month.start, month.end)


def test_the_utilisation_chart_and_table_show_the_chosen_period(
    client, auth, db, platform, operator, reactors
):
    factories.BookingFactory(offering=reactors, start_at=at(3, 2, 8), end_at=at(3, 2, 18), quantity=2)
    factories.BookingFactory(offering=reactors, start_at=at(3, 4, 8), end_at=at(3, 4, 16), quantity=1)
    _login(auth, db, operator)

    response = client.get(f"/workbench/platforms/{platform.id}?from=2026-03-02&to=2026-03-08")

    assert response.status_code == 200
    assert rows_of(response, "usage") == ["双联 50 L 反应釜 28 140 20.0 %"]
    html = response.get_data(as_text=True)
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "双联 50 L 反应釜：20.0 %" in svg
    assert 'width="64.0"' in svg  # the bar: 20 % of 320
    assert "统计区间：2026-03-02 至 2026-03-08（7 天" in text_of(response)


def test_open_hours_by_weekday_agree_with_walking_every_day(db, platform):
    """The dashboard counts weekdays instead of walking each day: same hours, blocks (overlapping, or
    crossing the period's edge) taken out once."""
    offering = factories.OfferingFactory(
        platform=platform,
        opening_hours=[{"weekday": d, "start": "08:00", "end": "12:00"} for d in range(5)]
        + [{"weekday": d, "start": "13:00", "end": "17:30"} for d in range(5)]
        + [{"weekday": 5, "start": "09:00", "end": "24:00"}],
    )
    for start, end in ((at(2, 20), at(2, 26, 10)), (at(3, 3, 9), at(3, 4, 12)), (at(3, 4), at(3, 5))):
        factories.OfferingBlockFactory(offering=offering, start_at=start, end_at=end)
    for first, last in ((date(2026, 2, 25), date(2026, 3, 19)), (date(2026, 3, 6), date(2026, 3, 8))):
        period = dashboards.Period(first, last)
        [usage] = dashboards.platform_utilisation(platform, period)
        assert usage.open == pytest.approx(availability.open_hours(offering, period.start, period.end))
    assert usage.open == 4 + 4.5 + 15  # Friday, Saturday, no Sunday hours


@pytest.mark.parametrize(
    ("query", "first"),
    [("", date(2026, 2, 9)), ("?period=7", date(2026, 3, 4)), ("?period=90", date(2025, 12, 11))],
)
def test_presets_count_whole_local_days_up_to_today(client, auth, db, platform, operator, query, first):
    _login(auth, db, operator)
    response = client.get(f"/workbench/platforms/{platform.id}{query}")
    assert response.status_code == 200
    assert f"统计区间：{first.isoformat()} 至 2026-03-10" in text_of(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=13", "统计周期应为近 7 天"),
        ("period=abc", "统计周期应为近 7 天"),
        ("from=2026-03-01", "请填写结束日期"),
        ("to=2026-03-01", "请填写开始日期"),
        ("from=2026-13-01&to=2026-03-10", "开始日期应为有效日期"),
        ("from=2026-3-1&to=2026-03-10", "开始日期应为有效日期"),
        ("from=tomorrow&to=2026-03-10", "开始日期应为有效日期"),
        ("from=2026-03-10&to=2026-03-01", "结束日期不能早于开始日期"),
        ("from=2024-01-01&to=2026-03-01", "统计周期最长 366 天"),
        ("from=1999-12-31&to=2000-01-02", "开始日期不能早于 2000-01-01"),
        ("from=2026-03-01&to=9999-12-31", "结束日期不能晚于"),
        ("period=7&from=2026-03-01&to=2026-03-05", "二者只能选其一"),
    ],
)
def test_a_bad_period_answers_400_with_a_message(client, auth, db, platform, operator, query, message):
    _login(auth, db, operator)
    response = client.get(f"/workbench/platforms/{platform.id}?{query}")
    assert response.status_code == 400
    assert message in text_of(response)
    assert "待处理" in text_of(response)  # the rest of the dashboard is still there


def test_parse_period_reads_a_custom_period_with_both_days_included():
    period = dashboards.parse_period("custom", "2026-02-27", "2026-03-02", today=date(2026, 3, 10))
    assert (period.days, period.start, period.end) == (4, at(2, 27), at(3, 3))
    with pytest.raises(DomainError):
        dashboards.parse_period(None, "2026-02-30", "2026-03-02", today=date(2026, 3, 10))


# ---------------------------------------------------------------- revenue, response time, ratings


def test_revenue_sums_only_completed_and_confirmed_work_of_the_period_by_local_month(
    client, auth, db, platform, operator
):
    offering = factories.OfferingFactory(platform=platform)

    def work(completed_at, amount, status="completed", kind="booking", on=offering):
        factories.BookingFactory(
            offering=on if kind == "booking" else None,
            platform_id=on.platform_id,
            kind=kind,
            status=status,
            price_amount=amount,
            completed_at=completed_at,
        )

    work(at(2, 20, 12), 1000.0)
    work(at(2, 28, 23, 59), 3.0, status="confirmed")  # 15:59 UTC: still February in Shandong
    work(at(3, 1, 0), 7.0)  # midnight: March
    work(at(3, 5, 9), 2500.0, status="confirmed")
    work(at(3, 10, 9), 10000.0, status="confirmed", kind="order")
    work(at(3, 9, 9), None, kind="order")  # 面议: counted, no amount
    # Not revenue of this period: work not done, done outside it, or another platform's.
    work(None, 999.0, status="accepted")
    work(None, 999.0, status="in_progress")
    work(at(3, 4, 9), 999.0, status="cancelled")
    work(at(2, 10, 9), 999.0)
    work(at(3, 21, 0), 999.0)
    work(at(3, 5, 9), 999.0, on=factories.OfferingFactory())
    period = dashboards.Period(date(2026, 2, 15), date(2026, 3, 20))

    revenue = dashboards.platform_revenue(platform, period)

    assert [(m.month, m.amount, m.count, m.negotiable) for m in revenue.months] == [
        (date(2026, 2, 1), 1003.0, 2, 0),
        (date(2026, 3, 1), 12507.0, 4, 1),
    ]
    assert (revenue.total, revenue.count) == (13510.0, 6)

    _login(auth, db, operator)
    response = client.get(f"/workbench/platforms/{platform.id}?from=2026-02-15&to=2026-03-20")
    assert rows_of(response, "revenue") == ["2026 年 2 月 2 1,003.00", "2026 年 3 月 4（面议 1） 12,507.00"]
    assert "合计 6（面议 1） 13,510.00" in text_of(response)


def test_a_period_within_one_month_has_one_row(db, platform):
    factories.BookingFactory(offering__platform=platform, status="completed", completed_at=at(3, 3, 9))
    revenue = dashboards.platform_revenue(platform, WEEK)
    assert [(m.month, m.amount) for m in revenue.months] == [(date(2026, 3, 1), 1200.0)]


def test_median_time_to_first_response_over_requests_and_inquiries_of_the_period(db, platform):
    offering = factories.OfferingFactory(platform=platform)
    for hours in (1, 3, 10):
        asked = at(3, 3, 9)
        factories.BookingFactory(
            offering=offering, created_at=asked, responded_at=asked + timedelta(hours=hours)
        )
    factories.InquiryFactory(
        offering__platform=platform, created_at=at(3, 4, 9), responded_at=at(3, 4, 14), status="accepted"
    )
    factories.BookingFactory(  # asked before the period
        offering=offering, created_at=at(2, 20, 9), responded_at=at(2, 25, 9)
    )
    factories.BookingFactory(offering=offering, status="expired", created_at=at(3, 5, 9))
    factories.BookingFactory(  # orders are accepted on creation: not a response time
        offering=None, platform_id=platform.id, kind="order", created_at=at(3, 6, 9), responded_at=at(3, 6, 9)
    )

    stats = dashboards.response_stats(platform, WEEK)

    assert (stats.median, stats.answered, stats.unanswered_expired) == (timedelta(hours=4), 4, 1)
    assert stats.median_text == "4 小时 0 分钟"


def test_ratings_show_average_count_and_distribution(client, auth, db, platform, operator):
    offering = factories.OfferingFactory(platform=platform)
    for rating in (5, 5, 4, 2):
        factories.ReviewFactory(booking__offering=offering, rating=rating)
    factories.ReviewFactory(rating=1)  # another platform's
    _login(auth, db, operator)

    response = client.get(f"/workbench/platforms/{platform.id}")

    assert "平均 4.0 分，共 4 条评价" in text_of(response)
    assert rows_of(response, "ratings") == [
        "5 分 2 50 %",
        "4 分 1 25 %",
        "3 分 0 0 %",
        "2 分 1 25 %",
        "1 分 0 0 %",
    ]


# ---------------------------------------------------------------- who sees which dashboard


def test_another_platforms_dashboard_is_404_for_an_operator(client, auth, db, platform):
    factories.BookingFactory(offering__platform=platform, status="requested", title="机密的预约申请")
    stranger = factories.UserFactory(role="operator")
    factories.PlatformFactory(organization=stranger.organization)
    _login(auth, db, stranger)

    response = client.get(f"/workbench/platforms/{platform.id}")

    assert response.status_code == 404
    assert "机密的预约申请" not in response.get_data(as_text=True)
    assert client.get("/workbench/platforms/987654").status_code == 404


def test_administrators_open_any_platforms_dashboard_and_firms_none(client, auth, db, platform, admin_user):
    _login(auth, db, admin_user)
    assert client.get(f"/workbench/platforms/{platform.id}").status_code == 200
    assert platform.name in client.get("/workbench/").get_data(as_text=True)
    assert "平台工作台" in client.get("/admin/").get_data(as_text=True)

    _login(auth, db, factories.UserFactory(role="firm"))
    assert client.get(f"/workbench/platforms/{platform.id}").status_code == 403


def test_the_workbench_link_leads_each_role_to_its_dashboard(client, auth, db, platform, operator):
    _login(auth, db, operator)
    assert 'href="/workbench/"' in client.get("/").get_data(as_text=True)
    response = client.get("/workbench/")
    assert response.status_code == 302 and response.location.endswith(f"/workbench/platforms/{platform.id}")
    second = factories.PlatformFactory(organization=operator.organization, name="第二个平台")
    db.session.commit()
    listing = client.get("/workbench/").get_data(as_text=True)
    assert f"/workbench/platforms/{second.id}" in listing and f"/workbench/platforms/{platform.id}" in listing

    _login(auth, db, factories.UserFactory(role="firm"))
    assert client.get("/workbench/").location.endswith("/workbench/firm")


def test_a_firm_sees_only_its_own_organisations_items(client, auth, db, platform):
    firm = factories.UserFactory(role="firm")
    colleague = factories.UserFactory(role="firm", organization=firm.organization)
    other = factories.UserFactory(role="firm")
    offering = factories.OfferingFactory(platform=platform, title="发酵罐预约")
    factories.BookingFactory(offering=offering, requested_by=colleague, title="本企业同事的预约")
    factories.BookingFactory(offering=offering, requested_by=other, title="别家企业的预约")
    own_inquiry = factories.InquiryFactory(created_by=firm, subject="本企业的咨询")
    factories.InquiryFactory(created_by=other, subject="别家企业的咨询")
    demand = factories.DemandFactory(organization=firm.organization, title="本企业的需求")
    other_demand = factories.DemandFactory(organization=other.organization, title="别家企业的需求")
    factories.ProposalFactory(demand=demand, platform=platform, title="给本企业的方案")
    factories.ProposalFactory(demand=other_demand, platform=platform, title="给别家企业的方案")
    _login(auth, db, firm)

    response = client.get("/workbench/firm")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for own in ("本企业同事的预约", "本企业的咨询", "本企业的需求", "给本企业的方案"):
        assert own in html
    assert "别家企业" not in html
    assert rows_of(response, "bookings")[0].startswith("预约 本企业同事的预约 青岛发酵中试平台")
    assert f'href="/inquiries/{own_inquiry.id}"' in html  # the firm opens its inquiry from here


def test_what_waits_for_the_firm_links_to_each_item(client, auth, db, platform):
    firm = factories.UserFactory(role="firm")
    offering = factories.OfferingFactory(platform=platform)
    completed = factories.BookingFactory(
        offering=offering,
        requested_by=firm,
        status="completed",
        completed_at=NOW - timedelta(days=2),
        title="待验收的预约",
    )
    confirmed = factories.BookingFactory(
        offering=offering,
        requested_by=firm,
        status="confirmed",
        completed_at=NOW - timedelta(days=9),
        title="已验收未评价",
    )
    factories.ReviewFactory(
        booking=factories.BookingFactory(
            offering=offering,
            requested_by=firm,
            status="confirmed",
            outcome="production",
            title="全部完成的预约",
        )
    )
    demand = factories.DemandFactory(organization=firm.organization)
    factories.ProposalFactory(
        demand=demand, platform=platform, title="待答复的方案", created_at=NOW - timedelta(days=1)
    )
    factories.ProposalFactory(demand=demand, platform=platform, title="已不采纳的方案", status="declined")
    _login(auth, db, firm)

    response = client.get("/workbench/firm")

    todo = rows_of(response, "todo")
    assert [row.split(" ")[:2] for row in todo] == [
        ["确认验收", "待验收的预约"],
        ["答复方案", "待答复的方案"],
        ["评价服务", "待验收的预约"],
        ["评价服务", "已验收未评价"],
        ["填写转化成效", "待验收的预约"],
        ["填写转化成效", "已验收未评价"],
    ]
    assert "2026-03-15 10:00 起将自动验收" in todo[0]  # completed 8 March 10:00 + 7 days
    html = response.get_data(as_text=True)
    assert f'href="/bookings/{completed.id}"' in html and f'href="/bookings/{confirmed.id}"' in html
    assert "全部完成的预约" in html  # listed among the bookings, nothing left to do for it
    assert "全部完成的预约" not in " ".join(todo)


def test_the_firms_to_dos_list_the_latest_of_each_kind_and_count_them_all(client, auth, db, platform):
    """However many bookings a firm has, the dashboard lists the first `FIRM_LIST_LIMIT` of each kind
    of to-do and says how many there are (a firm with a year of work has hundreds to rate)."""
    firm = factories.UserFactory(role="firm")
    offering = factories.OfferingFactory(platform=platform)
    limit = dashboards.FIRM_LIST_LIMIT
    for day in range(limit + 3):
        factories.BookingFactory(
            offering=offering,
            requested_by=firm,
            status="confirmed",
            completed_at=NOW - timedelta(days=day + 1),
            title=f"第{day + 1}天前完成",
        )
    _login(auth, db, firm)

    response = client.get("/workbench/firm")

    todo = rows_of(response, "todo")
    to_rate = [row for row in todo if row.startswith("评价服务")]
    assert [row.split(" ")[1] for row in to_rate[:limit]] == [f"第{day + 1}天前完成" for day in range(limit)]
    assert to_rate[limit:] == [f"评价服务 共 {limit + 3} 项，显示最近 {limit} 项 · 查看全部 {limit + 3} 项"]
    assert len([row for row in todo if row.startswith("填写转化成效")]) == limit + 1
    assert f"待我处理 {2 * (limit + 3)} 项" in text_of(response)

    # the link lists every one of them, and only them (a rated booking is no longer waiting)
    rated = factories.BookingFactory(offering=offering, requested_by=firm, status="confirmed", title="已评价")
    rated.completed_at = NOW
    factories.ReviewFactory(booking=rated)
    db.session.commit()
    assert 'href="/my/bookings?todo=to_rate"' in response.get_data(as_text=True)
    listed = client.get("/my/bookings?todo=to_rate")
    titles = re.findall(r"第\d+天前完成", text_of(listed))
    assert sorted(set(titles)) == sorted(f"第{day + 1}天前完成" for day in range(limit + 3))
    assert "已评价" not in text_of(listed)
    assert "已评价" in text_of(client.get("/my/bookings"))


def test_the_firms_latest_inquiries_link_to_all_of_them(client, auth, db):
    firm = factories.UserFactory(role="firm")
    limit = dashboards.FIRM_LIST_LIMIT
    for _ in range(limit + 1):
        factories.InquiryFactory(created_by=firm)
    _login(auth, db, firm)

    response = client.get("/workbench/firm")

    assert len(rows_of(response, "inquiries")) == limit
    heading = re.search(r'<h2 id="h-inquiries">.*?</h2>', response.get_data(as_text=True), re.S).group(0)
    assert f"共 {limit + 1} 项" in heading and 'href="/my/inquiries"' in heading
    listed = client.get("/my/inquiries").get_data(as_text=True)
    assert len(set(re.findall(r'href="/inquiries/(\d+)"', listed))) == limit + 1


def test_the_firm_dashboard_is_for_firms(client, auth, db, operator):
    _login(auth, db, operator)
    assert client.get("/workbench/firm").status_code == 403


def test_firms_and_operators_start_at_their_workbench_after_login(client, auth, db, firm_user, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization)
    db.session.commit()
    for user, heading in ((firm_user, "我的工作台"), (operator_user, f"平台工作台：{platform.name}")):
        auth.as_(user)
        page = client.get("/dashboard", follow_redirects=True).get_data(as_text=True)
        assert f"<h1>{heading}" in page


def test_an_operator_without_a_platform_is_sent_to_register_one(client, auth, db, operator_user):
    auth.as_(operator_user)
    response = client.get("/workbench/")
    assert response.status_code == 302 and response.location.endswith("/my/platforms/")


@pytest.mark.parametrize(
    "rules",
    [
        [{"weekday": 0, "start": "08:20", "end": "11:50"}, {"weekday": 0, "start": "11:50", "end": "17:10"}],
        [{"weekday": 2, "start": "13:00", "end": "17:25"}, {"weekday": 2, "start": "07:35", "end": "14:05"}],
        [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)],
        [],  # the default of its kind and unit
    ],
)
def test_weekday_hours_are_exactly_one_days_opening_intervals(db, platform, rules):
    """The utilisation reads each weekday's hours from the rules' minutes: the very floats that walking
    one local day of opening intervals sums (overlapping and touching rules merged, 24/7 days cut)."""
    offering = factories.OfferingFactory(platform=platform, opening_hours=rules)
    walked = []
    for day in range(2, 9):  # 2 March 2026 is a Monday
        intervals = availability.opening_intervals(offering, at(3, day), at(3, day + 1))
        walked.append(sum(i.hours for i in intervals))
    assert availability.weekday_hours(offering) == walked
