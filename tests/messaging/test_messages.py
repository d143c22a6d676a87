"""Message threads between a firm and a platform: writing, reading, unread counts, files, who may use them."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import event, select

from marketplace.attachments.models import Attachment
from marketplace.extensions import db as _db
from marketplace.messaging import services
from marketplace.messaging.models import Message
from marketplace.notifications.models import Notification
from tests import factories
from tests.html import field_errors

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def parties(db):
    """A firm user, an operator of the platform of two of the firm's bookings, another firm's booking."""
    booking = factories.BookingFactory()
    firm = booking.requested_by
    operator = factories.UserFactory(role="operator", organization=booking.platform.organization)
    second = factories.BookingFactory(
        requested_by=firm, offering=factories.OfferingFactory(platform=booking.platform, title="喷雾干燥塔")
    )
    other_firm_booking = factories.BookingFactory(
        offering=factories.OfferingFactory(platform=booking.platform, title="冷冻干燥机")
    )
    db.session.commit()
    return booking, second, firm, operator, other_firm_booking


def post(client, booking, body="请问样品需要提前几天寄到？", files=()):
    data = {"body": body}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/messages/booking/{booking.id}", data=data, content_type="multipart/form-data")


def test_a_message_goes_to_the_thread_and_the_other_side_is_told_in_the_app_and_by_mail(
    client, auth, parties, mail
):
    booking, _, firm, operator, _ = parties
    auth.as_(firm)
    response = post(client, booking, "样品下周一寄到，请安排 9 点开始。")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bookings/{booking.id}#thread")

    note = _db.session.scalar(select(Notification).where(Notification.user_id == operator.id))
    assert "样品下周一寄到" in note.message and firm.name in note.message
    assert note.link.startswith("http") and note.link.endswith(f"/bookings/{booking.id}#thread")
    assert any(m.recipient == operator.email and "样品下周一寄到" in m.body for m in _mail_rows())
    assert _db.session.scalar(select(Notification).where(Notification.user_id == firm.id)) is None

    auth.as_(operator)
    page = client.get(f"/messages/booking/{booking.id}").get_data(as_text=True)
    assert "样品下周一寄到，请安排 9 点开始。" in page
    assert firm.name in page and firm.organization.name in page
    written = _db.session.scalar(select(Message)).created_at
    from marketplace.core.timeutil import format_datetime

    assert format_datetime(written) in page  # local time


def _mail_rows():
    from marketplace.core.models import OutgoingMail

    return _db.session.scalars(select(OutgoingMail)).all()


def test_after_writing_the_browser_stays_on_the_host_and_port_it_is_on(client, auth, parties):
    """The redirect and the links of threads named SITE_URL's host: a browser on another port (or
    behind a proxy) left the site after sending a message."""
    booking, _, firm, _, _ = parties
    auth.as_(firm)
    host = {"Host": "localhost:8443"}
    response = client.post(f"/messages/booking/{booking.id}", data={"body": "样品已寄出。"}, headers=host)
    assert response.headers["Location"] == f"/bookings/{booking.id}#thread"
    page = client.get(f"/messages/booking/{booking.id}", headers=host).get_data(as_text=True)
    assert f'href="/bookings/{booking.id}#thread"' in page
    inbox = client.get("/messages/", headers=host).get_data(as_text=True)
    assert f'href="/bookings/{booking.id}#thread"' in inbox


def test_messages_read_oldest_first_and_reading_clears_the_unread_count(client, auth, parties):
    booking, _, firm, operator, _ = parties
    services.post_message(firm, booking, "第一条")
    services.post_message(operator, booking, "第二条")
    services.post_message(operator, booking, "第三条")
    _db.session.commit()
    assert services.unread_count(firm) == 2
    assert services.unread_count(operator) == 0  # own messages never count; answering reads the thread

    auth.as_(firm)
    page = client.get(f"/messages/booking/{booking.id}").get_data(as_text=True)
    assert page.index("第一条") < page.index("第二条") < page.index("第三条")
    assert services.unread_count(firm) == 0
    services.post_message(firm, booking, "第四条")
    _db.session.commit()
    assert services.unread_count(operator) == 1


def test_unread_counts_across_two_users_and_two_threads(client, auth, parties):
    booking, second, firm, operator, other_firm_booking = parties
    colleague = factories.UserFactory(role="firm", organization=firm.organization)
    other_firm = other_firm_booking.requested_by
    services.post_message(operator, booking, "一号预约的消息")
    services.post_message(operator, second, "二号预约的消息 1")
    services.post_message(operator, second, "二号预约的消息 2")
    services.post_message(operator, other_firm_booking, "给另一家企业")
    _db.session.commit()
    assert services.unread_count(firm) == 3
    assert services.unread_count(colleague) == 3  # the firm's threads are the organisation's
    assert services.unread_count(other_firm) == 1

    auth.as_(firm)
    client.get(f"/messages/booking/{second.id}")  # reads the second thread only
    assert services.unread_count(firm) == 1
    assert services.unread_count(colleague) == 3  # reading is personal

    services.post_message(colleague, booking, "同事的回复")
    _db.session.commit()
    assert services.unread_count(firm) == 2  # the colleague's message is new to the firm user
    assert services.unread_count(operator) == 1  # the operator has not read the colleague's reply


def test_the_unread_count_is_one_statement_however_many_threads(app, parties):
    booking, second, firm, operator, _ = parties
    for subject in (booking, second):
        services.post_message(operator, subject, "消息")
    _db.session.commit()
    _db.session.refresh(firm)  # loaded already in a request (the logged-in user)
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        assert services.unread_count(firm) == 2
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_the_navigation_shows_unread_messages_as_a_badge(client, auth, parties):
    booking, second, firm, operator, _ = parties
    auth.as_(firm)
    assert not re.search(r"消息\s*<b class=\"badge\"", client.get("/").get_data(as_text=True))
    services.post_message(operator, booking, "请确认到场人数")
    services.post_message(operator, second, "请补充样品信息")
    _db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/messages/">消息 <b class="badge"[^>]*>2</b>', page)
    client.get(f"/messages/booking/{booking.id}")
    assert re.search(
        r'href="/messages/">消息 <b class="badge"[^>]*>1</b>', client.get("/").get_data(as_text=True)
    )


def test_my_messages_lists_each_thread_with_the_other_side_the_last_message_and_unread(client, auth, parties):
    booking, second, firm, operator, other_firm_booking = parties
    services.post_message(firm, booking, "我们想改到下午")
    services.post_message(operator, booking, "下午可以，已调整")
    services.post_message(operator, second, "请补充样品信息")
    services.post_message(operator, other_firm_booking, "给另一家企业的消息")
    _db.session.commit()

    auth.as_(firm)
    page = client.get("/messages/").get_data(as_text=True)
    assert "给另一家企业的消息" not in page and other_firm_booking.title not in page
    assert page.index("喷雾干燥塔") < page.index(booking.title)  # latest activity first
    assert "下午可以，已调整" in page and "我们想改到下午" not in page  # the last message only
    assert booking.platform.name in page  # the other side
    assert page.count("1 条未读") == 2
    assert f'href="/bookings/{booking.id}#thread"' in page

    auth.as_(operator)
    page = client.get("/messages/").get_data(as_text=True)
    assert firm.organization.name in page and other_firm_booking.organization.name in page


def test_another_firm_can_neither_read_nor_write_a_thread(client, auth, parties):
    booking, _, firm, _, other_firm_booking = parties
    services.post_message(firm, booking, "内部工艺参数：诱导温度 25 ℃")
    _db.session.commit()
    auth.as_(other_firm_booking.requested_by)
    response = client.get(f"/messages/booking/{booking.id}")
    assert response.status_code == 404 and "诱导温度" not in response.get_data(as_text=True)
    assert post(client, booking, "插一句").status_code == 404
    assert client.get("/messages/booking/987654").status_code == 404
    assert client.get(f"/messages/unknown/{booking.id}").status_code == 404
    assert _db.session.scalars(select(Message.body)).all() == ["内部工艺参数：诱导温度 25 ℃"]


def test_anonymous_users_are_sent_to_log_in(client, parties):
    booking = parties[0]
    assert "/account/login" in client.get(f"/messages/booking/{booking.id}").headers["Location"]
    assert "/account/login" in post(client, booking).headers["Location"]
    assert _db.session.scalar(select(Message)) is None


def test_files_of_a_message_are_for_the_two_sides_only(client, auth, parties):
    booking, _, firm, operator, other_firm_booking = parties
    auth.as_(firm)
    response = post(
        client, booking, "附上检测报告", files=[("检测报告.png", PNG), ("数据.pdf", b"%PDF-1.4 x")]
    )
    assert response.status_code == 302
    files = _db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(f.owner_type, f.filename) for f in files] == [
        ("message", "检测报告.png"),
        ("message", "数据.pdf"),
    ]
    assert client.get(f"/attachments/{files[0].id}").status_code == 200

    auth.as_(operator)
    page = client.get(f"/messages/booking/{booking.id}").get_data(as_text=True)
    assert f"/attachments/{files[0].id}" in page and "数据.pdf" in page
    assert client.get(f"/attachments/{files[1].id}").status_code == 200

    auth.as_(other_firm_booking.requested_by)
    assert client.get(f"/attachments/{files[0].id}").status_code == 404
    assert client.post(f"/attachments/{files[0].id}/delete").status_code == 404
    auth.logout()
    assert client.get(f"/attachments/{files[1].id}").status_code == 404


def test_a_file_that_is_not_an_image_or_pdf_is_refused_beside_the_field(client, auth, parties):
    booking, _, firm, _, _ = parties
    auth.as_(firm)
    response = post(client, booking, "附件", files=[("evil.html", b"<script>alert(1)</script>")])
    assert response.status_code == 200
    errors = field_errors(response.get_data(as_text=True))
    assert any("evil.html" in e and "只支持" in e for e in errors["files"])
    assert _db.session.scalar(select(Message)) is None and _db.session.scalar(select(Attachment)) is None


@pytest.mark.parametrize(
    "body, message",
    [("", "请填写消息内容。"), ("   ", "请填写消息内容。"), ("长" * 5001, "消息不能超过 5000 个字符")],
)
def test_empty_and_too_long_messages_come_back_with_the_message_beside_the_field(
    client, auth, parties, body, message
):
    booking, _, firm, _, _ = parties
    auth.as_(firm)
    response = post(client, booking, body)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert any(message in e for e in field_errors(html)["body"])
    if body.strip():
        assert body in html  # what was typed is kept
    assert _db.session.scalar(select(Message)) is None


def test_the_thread_global_renders_nothing_for_users_outside_it(app, parties):
    booking, _, firm, _, other_firm_booking = parties
    from flask_login import login_user

    from marketplace.messaging.views import message_thread

    services.post_message(firm, booking, "只给平台看")
    _db.session.commit()
    with app.test_request_context():
        assert str(message_thread(booking)) == ""  # anonymous
        login_user(other_firm_booking.requested_by)
        assert str(message_thread(booking)) == ""
    with app.test_request_context():
        login_user(firm)
        html = str(message_thread(booking))
        assert 'id="thread"' in html and "只给平台看" in html and 'name="body"' in html


def test_a_message_written_outside_a_request_links_to_the_site(app, db, monkeypatch):
    """`flask seed-demo` writes messages from a command, where no request names the host: the notice's
    link is built on SITE_URL (it crashed the whole seed when links needed SERVER_NAME)."""
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setitem(app.config, "SITE_URL", "https://zhongshi.example.cn")
    with app.app_context():  # a context like a command's: no SERVER_NAME, no request
        booking = factories.BookingFactory()
        operator = factories.UserFactory(role="operator", organization=booking.platform.organization)
        services.post_message(operator, booking, "样品已收到")
        note = _db.session.scalar(select(Notification).where(Notification.user_id == booking.requested_by_id))
        assert note.link == f"https://zhongshi.example.cn/bookings/{booking.id}#thread"
        _db.session.rollback()
