"""Booking pages through the test client: the request with its price preview, refusals beside the fields,
the whole flow with CSRF on, who may open what (404 for other people's bookings), lists and blocks."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.bookings.models import Booking, OfferingBlock
from marketplace.core.timeutil import to_local
from tests import factories
from tests.factories import local_day
from tests.html import field_errors

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HOURS = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)]


def _local(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def reactor(db):
    offering = factories.OfferingFactory(
        title="200 L 反应釜", price_unit="hour", price_amount=300.0, booking_capacity=1, opening_hours=HOURS
    )
    db.session.commit()
    return offering


@pytest.fixture
def operator(db, reactor):
    user = factories.UserFactory(role="operator", organization=reactor.platform.organization, name="运营王工")
    db.session.commit()
    return user


def _window(day=5, start=9, end=12):
    return {"start": _local(local_day(day, start)), "end": _local(local_day(day, end)), "quantity": "1"}


# ---------------------------------------------------------------- requesting


def test_the_offering_page_leads_firms_to_the_form_and_tells_others_why_not(
    client, auth, db, reactor, operator
):
    assert "登录企业账号后预约" in client.get(f"/offerings/{reactor.id}").get_data(as_text=True)
    page = client.get(f"/offerings/{reactor.id}/book").get_data(as_text=True)
    assert "以企业账号登录" in page and 'name="start"' not in page
    auth.as_(operator)
    page = client.get(f"/offerings/{reactor.id}/book").get_data(as_text=True)
    assert "仅对企业用户开放" in page and 'name="start"' not in page
    assert client.post(f"/offerings/{reactor.id}/book", data=_window()).status_code == 403
    auth.as_(factories.UserFactory(role="firm"))
    db.session.commit()
    assert f"/offerings/{reactor.id}/book" in client.get(f"/offerings/{reactor.id}").get_data(as_text=True)
    page = client.get(f"/offerings/{reactor.id}/book").get_data(as_text=True)
    assert 'name="start"' in page and 'type="datetime-local"' in page
    assert "周一 08:00–18:00" in page and "至少提前 24 小时" in page and "开始后不能取消" in page


def test_offerings_that_are_not_bookable_have_no_form(client, db):
    service = factories.OfferingFactory(kind="service", is_bookable=False)
    paused = factories.OfferingFactory(status="paused")
    db.session.commit()
    assert client.get(f"/offerings/{service.id}/book").status_code == 404
    assert client.get(f"/offerings/{paused.id}/book").status_code == 404
    assert "在线预约" not in client.get(f"/offerings/{service.id}").get_data(as_text=True)


def test_the_preview_shows_the_price_and_sends_nothing(client, auth, db, reactor):
    auth.as_(factories.UserFactory(role="firm"))
    db.session.commit()
    page = client.post(f"/offerings/{reactor.id}/book", data={**_window(), "preview": "1"}).get_data(
        as_text=True
    )
    assert "900.00 元" in page and "3 小时 × 1 台/套 × 300.00 元/小时" in page
    assert 'name="send"' in page and 'name="quoted" type="hidden" value="900.00"' in page
    assert db.session.scalars(select(Booking)).all() == []


def test_sending_the_previewed_request_creates_it_with_files_and_a_demand(
    client, auth, db, reactor, operator
):
    firm = factories.UserFactory(role="firm")
    demand = factories.DemandFactory(organization=firm.organization)
    db.session.commit()
    auth.as_(firm)
    data = {**_window(), "note": "需氮气保护", "demand_id": str(demand.id), "send": "1", "quoted": "900.00"}
    data["files"] = (io.BytesIO(PNG), "样品说明.png")
    response = client.post(f"/offerings/{reactor.id}/book", data=data, content_type="multipart/form-data")
    booking = db.session.scalar(select(Booking))
    assert response.status_code == 302 and response.location.endswith(f"/bookings/{booking.id}")
    assert (booking.status, booking.price_amount, booking.note, booking.demand_id) == (
        "requested",
        900.0,
        "需氮气保护",
        demand.id,
    )
    assert [a.filename for a in booking.attachments] == ["样品说明.png"]
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "待受理" in page and "样品说明.png" in page and "平台接受后" in page


def test_a_demands_match_that_can_be_booked_leads_to_the_form_with_the_demand_chosen(
    client, auth, db, reactor
):
    """The match list offered only 发送咨询: a firm booking from its demand lost the link to it."""
    reactor.description = "精细化工合成放大反应釜"
    paper = factories.OfferingFactory(
        platform=reactor.platform, title="200 L 反应釜工艺咨询", kind="service", is_bookable=False
    )
    firm = factories.UserFactory(role="firm")
    demand = factories.DemandFactory(
        organization=firm.organization, title="200 L 反应釜放大", description="需要 200 L 反应釜做合成放大。"
    )
    others = factories.DemandFactory(title="别家企业的需求")
    db.session.commit()
    auth.as_(firm)

    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    matches = page.split('id="matches"')[1]
    book = f'href="/offerings/{reactor.id}/book?demand={demand.id}"'
    assert reactor.title in matches and paper.title in matches
    assert matches.count(">预约</a>") == 1 and book in matches

    form = client.get(f"/offerings/{reactor.id}/book?demand={demand.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{demand.id}">', form)
    form = client.get(f"/offerings/{reactor.id}/book?demand={others.id}").get_data(as_text=True)
    assert "selected" not in form.split('name="demand_id"')[1].split("</select>")[0].replace(
        '<option selected value="">', ""
    )


def test_a_send_with_a_changed_window_shows_the_new_price_first(client, auth, db, reactor):
    auth.as_(factories.UserFactory(role="firm"))
    db.session.commit()
    data = {**_window(end=13), "send": "1", "quoted": "900.00"}
    page = client.post(f"/offerings/{reactor.id}/book", data=data).get_data(as_text=True)
    assert "费用已重新计算" in page and "1,200.00 元" in page
    assert db.session.scalars(select(Booking)).all() == []


@pytest.mark.parametrize(
    ("window", "field", "message"),
    [
        ({"start": 5, "end": 5, "hours": (17, 19)}, "start", "不在开放时间内"),
        ({"start": 0, "end": 0, "hours": (20, 21)}, "start", "需至少提前 24 小时"),
        ({"start": 5, "end": 5, "hours": (12, 9)}, "end", "结束时间应晚于开始时间"),
    ],
)
def test_rule_refusals_are_shown_beside_the_field_with_the_input_kept(
    client, auth, db, reactor, window, field, message
):
    auth.as_(factories.UserFactory(role="firm"))
    db.session.commit()
    start, end = local_day(window["start"], window["hours"][0]), local_day(window["end"], window["hours"][1])
    data = {"start": _local(start), "end": _local(end), "quantity": "1", "note": "保留的备注", "preview": "1"}
    page = client.post(f"/offerings/{reactor.id}/book", data=data).get_data(as_text=True)
    assert any(message in m for m in field_errors(page)[field])
    assert _local(start) in page and "保留的备注" in page and 'name="send"' not in page


def test_a_taken_window_names_the_conflicting_time(client, auth, db, reactor):
    factories.BookingFactory(
        offering=reactor, start_at=local_day(5, 10), end_at=local_day(5, 11), status="accepted"
    )
    auth.as_(factories.UserFactory(role="firm"))
    db.session.commit()
    page = client.post(f"/offerings/{reactor.id}/book", data={**_window(), "preview": "1"}).get_data(
        as_text=True
    )
    errors = field_errors(page)["start"]
    assert any(
        "该时段已被预约" in e and to_local(local_day(5, 10)).strftime("%Y-%m-%d 10:00") in e for e in errors
    )


def test_whole_day_offerings_are_requested_by_dates(client, auth, db):
    site = factories.OfferingFactory(kind="site", price_unit="day", price_amount=1000.0)
    auth.as_(factories.UserFactory(role="firm"))
    db.session.commit()
    page = client.get(f"/offerings/{site.id}/book").get_data(as_text=True)
    assert 'type="date"' in page and "按整天预约" in page
    first, last = local_day(5).date().isoformat(), local_day(7).date().isoformat()
    data = {"start": first, "end": last, "quantity": "1", "send": "1", "quoted": "3000.00"}
    client.post(f"/offerings/{site.id}/book", data=data)
    booking = db.session.scalar(select(Booking))
    assert (booking.start_at, booking.end_at, booking.price_amount) == (local_day(5), local_day(8), 3000.0)


# ---------------------------------------------------------------- the whole flow, CSRF on


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_request_accept_start_complete_confirm_rate_outcome_with_csrf(
    app, client, auth, db, reactor, operator, freeze_now
):
    firm = factories.UserFactory(role="firm", name="企业李工", phone="13800000000")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        auth.as_(firm)
        url = f"/offerings/{reactor.id}/book"
        assert client.post(url, data={**_window(), "send": "1", "quoted": "900.00"}).status_code == 400
        page = client.get(url).get_data(as_text=True)
        page = client.post(url, data={**_window(), "preview": "1", "csrf_token": _token(page)}).get_data(
            as_text=True
        )
        client.post(url, data={**_window(), "send": "1", "quoted": "900.00", "csrf_token": _token(page)})
        booking = db.session.scalar(select(Booking))
        detail = f"/bookings/{booking.id}"

        auth.as_(operator)
        page = client.get(detail).get_data(as_text=True)
        assert "未到场记录：0 次" in page and "企业李工" not in page
        client.post(f"{detail}/accept", data={"csrf_token": _token(page)})
        page = client.get(detail).get_data(as_text=True)
        assert "已确认" in page and "企业李工" in page and "13800000000" in page and firm.email in page
        freeze_now(booking.start_at + timedelta(minutes=5))
        auth.as_(operator)  # a new session at the frozen time (the old one has idled out)
        page = client.get(detail).get_data(as_text=True)
        client.post(f"{detail}/start", data={"csrf_token": _token(page)})
        page = client.get(detail).get_data(as_text=True)
        client.post(
            f"{detail}/complete",
            data={
                "report": "三批次均达标",
                "files": (io.BytesIO(PNG), "报告.png"),
                "csrf_token": _token(page),
            },
            content_type="multipart/form-data",
        )
        db.session.refresh(booking)
        assert booking.status == "completed" and booking.completion_report == "三批次均达标"
        assert [a.filename for a in booking.attachments] == ["报告.png"]

        auth.as_(firm)
        page = client.get(detail).get_data(as_text=True)
        assert "运营王工" not in page and reactor.platform.contact_phone in page
        client.post(f"{detail}/confirm", data={"csrf_token": _token(page)})
        page = client.get(detail).get_data(as_text=True)
        client.post(
            f"{detail}/review", data={"rating": "4", "comment": "数据完整", "csrf_token": _token(page)}
        )
        page = client.get(detail).get_data(as_text=True)
        client.post(f"{detail}/outcome", data={"outcome": "ongoing", "csrf_token": _token(page)})
        client.post(
            f"{detail}/outcome",
            data={"outcome": "production", "outcome_note": "已建线", "csrf_token": _token(page)},
        )
        db.session.refresh(booking)
        assert (booking.status, booking.review.rating, booking.outcome, booking.outcome_note) == (
            "confirmed",
            4,
            "production",
            "已建线",
        )
        auth.as_(operator)
        page = client.get(detail).get_data(as_text=True)
        client.post(f"{detail}/reply", data={"reply": "感谢信任", "csrf_token": _token(page)})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    page = client.get(f"/offerings/{reactor.id}").get_data(as_text=True)
    assert "4.0" in page and "数据完整" in page and "感谢信任" in page and firm.organization.name not in page
    history = client.get(detail).get_data(as_text=True)
    for label in ("待受理", "已确认", "进行中", "已完成待确认", "已验收"):
        assert label in history


def test_decline_asks_for_a_reason_the_firm_reads(client, auth, db, reactor, operator):
    booking = factories.BookingFactory(offering=reactor, status="requested")
    db.session.commit()
    auth.as_(operator)
    page = client.post(f"/bookings/{booking.id}/decline", data={"reason": ""}, follow_redirects=True)
    assert "请填写原因" in page.get_data(as_text=True)
    client.post(f"/bookings/{booking.id}/decline", data={"reason": "设备检修"})
    db.session.refresh(booking)
    assert booking.status == "declined"
    auth.as_(booking.requested_by)
    assert "设备检修" in client.get(f"/bookings/{booking.id}").get_data(as_text=True)


def test_an_accept_over_a_taken_slot_says_which_time(client, auth, db, reactor, operator):
    factories.BookingFactory(
        offering=reactor, start_at=local_day(5, 10), end_at=local_day(5, 11), status="accepted"
    )
    waiting = factories.BookingFactory(
        offering=reactor, start_at=local_day(5, 9), end_at=local_day(5, 12), status="requested"
    )
    db.session.commit()
    auth.as_(operator)
    page = client.post(f"/bookings/{waiting.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "该时段已被预约" in page and "10:00" in page
    db.session.refresh(waiting)
    assert waiting.status == "requested"


# ---------------------------------------------------------------- who may open what


@pytest.mark.parametrize("who", ["other_firm", "other_operator", "anonymous_redirect"])
def test_other_peoples_bookings_and_their_files_are_404(client, auth, db, reactor, who):
    booking = factories.BookingFactory(offering=reactor, status="requested")
    attachment = factories.AttachmentFactory(owner=booking)
    db.session.commit()
    if who == "other_firm":
        auth.as_(factories.UserFactory(role="firm"))
    elif who == "other_operator":
        auth.as_(
            factories.UserFactory(role="operator", organization=factories.PlatformFactory().organization)
        )
    db.session.commit()
    response = client.get(f"/bookings/{booking.id}")
    if who == "anonymous_redirect":
        assert response.status_code == 302 and "/account/login" in response.location
    else:
        assert response.status_code == 404
        assert client.post(f"/bookings/{booking.id}/accept").status_code == 404
        assert client.post(f"/bookings/{booking.id}/cancel", data={"reason": "x"}).status_code == 404
        assert client.post(f"/bookings/{booking.id}/review", data={"rating": "5"}).status_code == 404
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    db.session.refresh(booking)
    assert booking.status == "requested"


def test_administrators_see_a_booking_but_act_on_nothing(client, auth, db, reactor, admin_user):
    booking = factories.BookingFactory(offering=reactor, status="requested")
    db.session.commit()
    auth.as_(admin_user)
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert booking.title in page and 'id="actions"' not in page
    assert client.post(f"/bookings/{booking.id}/accept").status_code == 404


# ---------------------------------------------------------------- lists


def test_lists_show_each_side_its_own_newest_first_filtered(
    client, auth, db, reactor, operator, freeze_now, app
):
    firm = factories.UserFactory(role="firm")
    old = factories.BookingFactory(
        offering=reactor, requested_by=firm, status="requested", title="较早的申请"
    )
    old.created_at = old.created_at - timedelta(hours=app.config["RESPONSE_TARGET_HOURS"] + 2)
    new = factories.BookingFactory(offering=reactor, requested_by=firm, status="accepted", title="较新的预约")
    factories.BookingFactory(status="accepted", title="别家的预约")
    db.session.commit()
    auth.as_(firm)
    page = client.get("/my/bookings").get_data(as_text=True)
    assert page.index("较新的预约") < page.index("较早的申请") and "别家的预约" not in page
    page = client.get("/my/bookings?status=requested&kind=booking").get_data(as_text=True)
    assert "较早的申请" in page and "较新的预约" not in page
    assert "较早的申请" in client.get("/my/bookings?status=nonsense").get_data(as_text=True)
    auth.as_(operator)
    page = client.get("/platform/bookings").get_data(as_text=True)
    assert "较早的申请" in page and "较新的预约" in page and "别家的预约" not in page
    assert 'class="overdue"' in page and "已超时" in page
    assert client.get("/my/bookings").status_code == 403
    assert new.id


def test_lists_are_paginated(client, auth, db, reactor, app):
    firm = factories.UserFactory(role="firm")
    for n in range(app.config["PAGE_SIZE"] + 1):
        factories.BookingFactory(offering=reactor, requested_by=firm, title=f"预约第{n}号")
    db.session.commit()
    auth.as_(firm)
    page = client.get("/my/bookings?status=accepted").get_data(as_text=True)
    assert "下一页" in page and "status=accepted" in page
    assert "预约第0号" in client.get("/my/bookings?status=accepted&page=2").get_data(as_text=True)


# ---------------------------------------------------------------- blocked periods


def test_operators_add_and_remove_blocked_periods(client, auth, db, reactor, operator):
    factories.BookingFactory(
        offering=reactor, start_at=local_day(5, 10), end_at=local_day(5, 11), status="accepted"
    )
    db.session.commit()
    auth.as_(operator)
    url = f"/my/offerings/{reactor.id}/blocks"
    data = {"start": _local(local_day(5, 8)), "end": _local(local_day(5, 12)), "reason": "年度维护"}
    page = client.post(url, data=data).get_data(as_text=True)
    assert any("已有确认的预约" in e for e in field_errors(page)["start"]) and "年度维护" in page
    data["start"] = _local(local_day(6, 8))
    data["end"] = _local(local_day(6, 12))
    client.post(url, data=data)
    block = db.session.scalar(select(OfferingBlock))
    assert (block.start_at, block.end_at, block.reason) == (local_day(6, 8), local_day(6, 12), "年度维护")
    assert "年度维护" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/{block.id}/delete")
    assert db.session.scalars(select(OfferingBlock)).all() == []


def test_blocks_of_another_platform_are_404(client, auth, db, reactor):
    block = factories.OfferingBlockFactory(offering=reactor)
    stranger = factories.UserFactory(role="operator", organization=factories.PlatformFactory().organization)
    db.session.commit()
    auth.as_(stranger)
    assert client.get(f"/my/offerings/{reactor.id}/blocks").status_code == 404
    assert client.post(f"/my/offerings/{reactor.id}/blocks/{block.id}/delete").status_code == 404
    assert db.session.get(OfferingBlock, block.id) is not None
