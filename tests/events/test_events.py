"""Events that platforms host: publishing, registration under a capacity (also under concurrency),
reminders, cancellation, the iCalendar views, and who may do what."""

from __future__ import annotations

import threading
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from marketplace.core.errors import Conflict, DomainError
from marketplace.core.models import AuditLog, OutgoingMail, utcnow
from marketplace.events import services
from marketplace.events.models import Event, EventRegistration
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests import factories
from tests.factories import local_day

FORM = {
    "kind": "lecture",
    "title": "前沿技术讲座：连续流反应放大",
    "description": "讲解连续流反应器放大。",
    "starts_at": "",
    "ends_at": "",
    "city": "济南",
    "place": "平台报告厅",
    "capacity": "2",
    "registration_deadline": "",
}


def _local(moment) -> str:
    from marketplace.core.timeutil import to_local

    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def host(db):
    """An operator and its approved platform."""
    platform = factories.PlatformFactory(city="济南")
    operator = factories.UserFactory(role="operator", organization=platform.organization)
    db.session.commit()
    return operator, platform


def notices_of(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.message).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_an_operator_drafts_publishes_and_a_firm_registers(client, auth, host, firm_user):
    operator, platform = host
    auth.as_(operator)
    start = local_day(7, 14)
    form = FORM | {"starts_at": _local(start), "ends_at": _local(start + timedelta(hours=2))}
    response = client.post(f"/my/platforms/{platform.id}/events/new", data=form)
    event = db.session.scalar(select(Event))
    assert response.status_code == 302 and response.location == f"/events/{event.id}"
    assert event.status == "draft" and event.starts_at == start and event.capacity == 2
    auth.logout()
    assert client.get(f"/events/{event.id}").status_code == 404  # a draft is the host's only
    assert "连续流反应放大" not in client.get("/events").get_data(as_text=True)
    auth.as_(operator)
    client.post(f"/my/events/{event.id}/publish")
    db.session.refresh(event)
    assert event.status == "published" and event.published_at is not None
    assert db.session.scalar(select(AuditLog.new_state).where(AuditLog.object_type == "event")) == "published"
    auth.as_(firm_user)
    listing = client.get("/events").get_data(as_text=True)
    assert "前沿技术讲座：连续流反应放大" in listing and "剩余 2" in listing
    data = {"phone": "0531-88880000", "note": "两人参加"}
    response = client.post(f"/events/{event.id}", data=data)
    assert response.status_code == 302
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "您已报名" in page and "剩余 1" in page
    assert any("您已报名“前沿技术讲座" in m for m in notices_of(firm_user))
    last_mail = db.session.scalar(select(OutgoingMail.recipient).order_by(OutgoingMail.id.desc()))
    assert last_mail == firm_user.email
    mine = client.get("/my/events").get_data(as_text=True)
    assert "前沿技术讲座：连续流反应放大" in mine


def test_bad_event_input_re_renders_with_messages_beside_the_fields(client, auth, host):
    operator, platform = host
    auth.as_(operator)
    start = local_day(3, 10)
    form = FORM | {
        "title": "",
        "city": "火星",
        "starts_at": _local(start),
        "ends_at": _local(start - timedelta(hours=1)),
        "capacity": "0",
        "registration_deadline": _local(start + timedelta(days=1)),
    }
    response = client.post(f"/my/platforms/{platform.id}/events/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and db.session.scalar(select(func.count(Event.id))) == 0
    for message in ("此项为必填项", "结束时间须晚于开始时间", "报名截止时间不能晚于活动开始时间", "名额"):
        assert message in page, message
    past = local_day(-1, 10)
    form = FORM | {"starts_at": _local(past), "ends_at": _local(past + timedelta(hours=1))}
    page = client.post(f"/my/platforms/{platform.id}/events/new", data=form).get_data(as_text=True)
    assert "开始时间须晚于现在" in page


def test_only_the_hosts_operators_manage_an_event(client, auth, host, firm_user):
    _operator, platform = host
    event = factories.EventFactory(platform=platform, status="draft")
    stranger = factories.UserFactory(role="operator")
    db.session.commit()
    auth.as_(stranger)
    assert client.get(f"/my/platforms/{platform.id}/events/new").status_code == 404
    assert client.get(f"/my/events/{event.id}/edit").status_code == 404
    assert client.post(f"/my/events/{event.id}/publish").status_code == 404
    assert client.get(f"/my/events/{event.id}/registrations").status_code == 404
    auth.as_(firm_user)
    assert client.post(f"/my/events/{event.id}/publish").status_code == 403
    db.session.refresh(event)
    assert event.status == "draft"
    assert client.get("/events/987654").status_code == 404


def test_a_platform_not_approved_cannot_publish(host):
    operator, platform = host
    event = factories.EventFactory(platform=platform, status="draft")
    platform.status = "suspended"
    with pytest.raises(DomainError, match="平台通过审核后才能发布活动"):
        services.change_status(operator, event, "publish")


def test_capacity_is_never_exceeded_and_a_freed_seat_can_be_taken(client, auth, db):
    event = factories.EventFactory(capacity=1)
    first, second = factories.UserFactory(), factories.UserFactory()
    db.session.commit()
    auth.as_(first)
    client.post(f"/events/{event.id}", data={"phone": "13800000001"})
    auth.as_(second)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "名额已满" in page
    with pytest.raises(Conflict, match="名额已满"):
        services.register(second, event, {"phone": "13800000002"})
    db.session.rollback()
    auth.as_(first)
    client.post(f"/events/{event.id}/unregister")
    db.session.refresh(event)
    assert event.registered_count == 0
    auth.as_(second)
    assert client.post(f"/events/{event.id}", data={"phone": "13800000002"}).status_code == 302
    db.session.refresh(event)
    assert event.registered_count == 1
    # registering again after cancelling reuses the row; twice is refused
    with pytest.raises(Conflict, match="您已报名"):
        services.register(second, event, {"phone": "13800000002"})


def test_a_registration_needs_a_phone_and_the_page_says_so(client, auth, firm_user):
    event = factories.EventFactory()
    db.session.commit()
    auth.as_(firm_user)
    response = client.post(f"/events/{event.id}", data={"phone": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写有效的联系电话" in page
    assert "报名未成功" in page  # said at the top too: on a phone the form is far below
    assert db.session.scalar(select(func.count(EventRegistration.id))) == 0


def test_registration_closes_at_the_deadline_and_needs_a_sign_in(client, auth, firm_user, freeze_now):
    event = factories.EventFactory(registration_deadline=local_day(5, 18))
    db.session.commit()
    assert "登录后报名" in client.get(f"/events/{event.id}").get_data(as_text=True)
    assert client.post(f"/events/{event.id}", data={"phone": "13800000000"}).status_code == 302
    assert db.session.scalar(select(func.count(EventRegistration.id))) == 0
    freeze_now(local_day(6, 9))
    auth.as_(firm_user)
    with pytest.raises(Conflict, match="报名已截止"):
        services.register(firm_user, event, {"phone": "13800000000"})


@pytest.mark.parametrize("capacity", [3])
def test_concurrent_registrations_never_overbook(app, db, capacity):
    """Twelve people press 报名 at the same moment for three seats, each in their own session."""
    event = factories.EventFactory(capacity=capacity)
    people = [factories.UserFactory() for _ in range(12)]
    db.session.commit()
    event_id, ids = event.id, [p.id for p in people]
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def press(user_id: int) -> None:
        with app.app_context():
            from marketplace.accounts.models import User

            user, target = db.session.get(User, user_id), db.session.get(Event, event_id)
            barrier.wait()
            try:
                services.register(user, target, {"phone": "13800000000"})
                db.session.commit()
                outcomes.append("ok")
            except Conflict as exc:
                db.session.rollback()
                outcomes.append(exc.errors[0][1])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.expire_all()
    assert outcomes.count("ok") == capacity and set(outcomes) == {"ok", "名额已满。"}
    assert db.session.get(Event, event_id).registered_count == capacity
    assert db.session.scalar(select(func.count(EventRegistration.id))) == capacity


def test_reminders_go_once_to_those_registered_for_events_starting_soon(db, app, freeze_now):
    soon = factories.EventFactory(starts_at=local_day(10, 9))
    later = factories.EventFactory(starts_at=local_day(20, 9))
    going = factories.EventRegistrationFactory(event=soon)
    gone = factories.EventRegistrationFactory(event=soon, status="cancelled")
    not_yet = factories.EventRegistrationFactory(event=later)
    db.session.commit()
    assert services.send_reminders() == 0
    freeze_now(local_day(9, 12))  # 21 hours before the start
    assert services.send_reminders() == 1
    assert services.send_reminders() == 0  # run again: nobody twice
    assert any(m.startswith("活动提醒：") for m in notices_of(going.user))
    assert not notices_of(gone.user) and not notices_of(not_yet.user)


def test_cancelling_tells_the_registrants_and_needs_a_reason(client, auth, host):
    operator, platform = host
    registration = factories.EventRegistrationFactory(event__platform=platform)
    event = registration.event
    db.session.commit()
    auth.as_(operator)
    client.post(f"/my/events/{event.id}/cancel", data={"reason": ""})
    db.session.refresh(event)
    assert event.status == "published"
    client.post(f"/my/events/{event.id}/cancel", data={"reason": "场地检修"})
    db.session.refresh(event)
    assert event.status == "cancelled"
    assert any("已取消。原因：场地检修" in m for m in notices_of(registration.user))
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "活动已取消" in page and "场地检修" in page


def test_registrants_hear_of_a_new_time_and_the_host_downloads_the_list(client, auth, host):
    operator, platform = host
    registration = factories.EventRegistrationFactory(event__platform=platform, note="=cmd|' /C calc'!A0")
    event = registration.event
    db.session.commit()
    auth.as_(operator)
    start = local_day(12, 9)
    form = FORM | {
        "title": event.title,
        "city": event.city,
        "place": event.place,
        "capacity": "20",
        "starts_at": _local(start),
        "ends_at": _local(start + timedelta(hours=3)),
    }
    assert client.post(f"/my/events/{event.id}/edit", data=form).status_code == 302
    assert any("时间或地点有变更" in m for m in notices_of(registration.user))
    response = client.get(f"/my/events/{event.id}/registrations?format=csv")
    text = response.data.decode("utf-8-sig")
    assert response.mimetype == "text/csv" and registration.user.email in text
    assert "'=cmd" in text  # never a formula in Excel
    form["capacity"] = "0"
    assert "名额" in client.post(f"/my/events/{event.id}/edit", data=form).get_data(as_text=True)


def test_the_ics_download_and_the_personal_calendar_feed(client, auth, firm_user, expert_user):
    event = factories.EventFactory(title="开放日：发酵中试线")
    factories.EventRegistrationFactory(event=event, user=expert_user)
    db.session.commit()
    cal = icalendar.Calendar.from_ical(client.get(f"/events/{event.id}.ics").data)
    (item,) = cal.walk("VEVENT")
    assert str(item["summary"]) == "开放日：发酵中试线"
    assert item.decoded("dtstart") == event.starts_at and str(item["status"]) == "CONFIRMED"
    # an expert (not a firm) has a personal feed too: the events they registered for
    auth.as_(expert_user)
    page = client.post("/my/calendar/feeds/new", data={}).get_data(as_text=True)
    url = page.split('id="feed-url" class="copy-field" type="text" readonly value="')[1].split('"')[0]
    auth.logout()
    feed = icalendar.Calendar.from_ical(client.get(url.replace("http://localhost", "")).data)
    assert [str(e["summary"]) for e in feed.walk("VEVENT")] == ["开放日：发酵中试线"]


def test_past_events_are_listed_apart(client, db, freeze_now):
    factories.EventFactory(title="即将举行的开放日")
    past = factories.EventFactory(title="上个月的培训")
    db.session.commit()
    past.starts_at, past.ends_at = utcnow() - timedelta(days=30), utcnow() - timedelta(days=30, hours=-2)
    db.session.commit()
    upcoming = client.get("/events").get_data(as_text=True)
    assert "即将举行的开放日" in upcoming and "上个月的培训" not in upcoming
    assert "上个月的培训" in client.get("/events?when=past").get_data(as_text=True)
    assert "已结束" in client.get(f"/events/{past.id}").get_data(as_text=True)


def test_where_people_find_events(client, auth, host, firm_user, admin_user):
    operator, platform = host
    event = factories.EventFactory(platform=platform, title="开放日：纯化中试线")
    factories.EventFactory(platform=platform, title="草稿活动", status="draft")
    pending = factories.PlatformFactory(organization=platform.organization, status="submitted")
    db.session.commit()
    # the host platform's public page lists its events to come
    assert "开放日：纯化中试线" in client.get(f"/platforms/{platform.id}").get_data(as_text=True)
    # the list marks the events the user has a seat for
    auth.as_(firm_user)
    client.post(f"/events/{event.id}", data={"phone": "13800000000"})
    assert "已报名" in client.get("/events").get_data(as_text=True)
    # an operator creates events only for a platform that may publish them
    auth.as_(operator)
    mine = client.get("/my/events").get_data(as_text=True)
    assert f"/my/platforms/{platform.id}/events/new" in mine
    assert f"/my/platforms/{pending.id}/events/new" not in mine and "平台通过审核后才能发布活动" in mine
    # administrators see every event, drafts too
    auth.as_(admin_user)
    listing = client.get("/admin/events?status=draft").get_data(as_text=True)
    assert "草稿活动" in listing and "开放日：纯化中试线" not in listing
    assert "/admin/events" in client.get("/admin/").get_data(as_text=True)
    auth.as_(firm_user)
    assert client.get("/admin/events").status_code == 403


def test_a_cancelled_event_is_not_offered_for_editing(client, auth, host):
    operator, platform = host
    event = factories.EventFactory(platform=platform, status="cancelled")
    db.session.commit()
    auth.as_(operator)
    response = client.get(f"/my/events/{event.id}/edit")
    assert response.status_code == 302 and response.location == f"/events/{event.id}"


def test_a_platforms_calendar_feed_carries_its_events_but_not_its_drafts(client, auth, host):
    operator, platform = host
    factories.EventFactory(platform=platform, title="开放日：发酵中试线")
    factories.EventFactory(platform=platform, title="草稿讲座", status="draft")
    factories.EventFactory(title="别的平台的活动")
    db.session.commit()
    auth.as_(operator)
    page = client.post("/my/calendar/feeds/new", data={"platform_id": str(platform.id)}).get_data(
        as_text=True
    )
    url = page.split('id="feed-url" class="copy-field" type="text" readonly value="')[1].split('"')[0]
    auth.logout()
    feed = icalendar.Calendar.from_ical(client.get(url.replace("http://localhost", "")).data)
    assert [str(e["summary"]) for e in feed.walk("VEVENT")] == ["开放日：发酵中试线"]
