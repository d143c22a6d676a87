"""通知公告: administrators write, publish and withdraw; everyone reads the published ones; followers of
notices (and of events) hear of each publication once, in the app and by mail; the Atom feed."""

from __future__ import annotations

import feedparser
from sqlalchemy import func, select

from marketplace.announcements.models import Announcement
from marketplace.extensions import db
from marketplace.subscriptions import services as subscriptions
from marketplace.subscriptions.models import SubscriptionHit
from tests import factories

FORM = {
    "kind": "call",
    "title": "关于开展省级中试平台认定申报工作的通知",
    "issuer": "",
    "body": "各有关单位：\n\n现组织开展认定申报。\n\n请按时提交。",
    "deadline": "2027-01-15",
    "source_url": "",
}


def hits(user) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(SubscriptionHit.item_type, SubscriptionHit.item_id).where(SubscriptionHit.user_id == user.id)
    )
    return [tuple(row) for row in rows]


def test_an_administrator_publishes_a_call_that_everyone_reads(client, auth, admin_user, firm_user):
    auth.as_(admin_user)
    response = client.post("/admin/announcements/new", data=FORM)
    notice = db.session.scalar(select(Announcement))
    assert response.location == f"/announcements/{notice.id}" and notice.status == "draft"
    assert notice.issuer == "山东省中试平台服务市场"  # left blank: the marketplace itself
    auth.logout()
    assert client.get(f"/announcements/{notice.id}").status_code == 404
    assert "认定申报" not in client.get("/announcements").get_data(as_text=True)
    auth.as_(admin_user)
    client.post(f"/admin/announcements/{notice.id}/publish")
    auth.logout()
    page = client.get(f"/announcements/{notice.id}").get_data(as_text=True)
    assert "申报截止日期" in page and "2027-01-15" in page
    assert page.count('<p class="prose">') == 3  # paragraphs kept
    assert "认定申报" in client.get("/announcements?kind=call").get_data(as_text=True)
    assert "认定申报" not in client.get("/announcements?kind=policy").get_data(as_text=True)
    assert "认定申报" in client.get("/announcements?q=认定").get_data(as_text=True)
    assert "认定申报" not in client.get("/announcements?q=绩效").get_data(as_text=True)
    assert "认定申报" in client.get("/").get_data(as_text=True)  # the home page's latest notices
    auth.as_(admin_user)
    client.post(f"/admin/announcements/{notice.id}/withdraw")
    auth.logout()
    assert client.get(f"/announcements/{notice.id}").status_code == 404


def test_bad_input_is_refused_beside_the_field(client, auth, admin_user):
    auth.as_(admin_user)
    page = client.post(
        "/admin/announcements/new", data=FORM | {"kind": "x", "body": "", "source_url": "javascript:alert(1)"}
    ).get_data(as_text=True)
    assert "不是有效的选择" in page
    assert "此项为必填项" in page and "原文链接须以 http:// 或 https:// 开头" in page
    assert db.session.scalar(select(func.count(Announcement.id))) == 0
    page = client.post("/admin/announcements/new", data=FORM | {"deadline": ""}).get_data(as_text=True)
    assert "申报通知请填写申报截止日期" in page
    page = client.post("/admin/announcements/new", data=FORM | {"deadline": "2020-01-01"}).get_data(
        as_text=True
    )
    assert "申报截止日期不能早于今天" in page
    assert db.session.scalar(select(func.count(Announcement.id))) == 0


def test_only_administrators_manage_notices(client, auth, firm_user, operator_user):
    notice = factories.AnnouncementFactory(status="draft", published_at=None)
    db.session.commit()
    for user in (firm_user, operator_user):
        auth.as_(user)
        assert client.get("/admin/announcements").status_code == 403
        assert client.post("/admin/announcements/new", data=FORM).status_code == 403
        assert client.post(f"/admin/announcements/{notice.id}/publish").status_code == 403
        assert client.get(f"/announcements/{notice.id}").status_code == 404
    db.session.refresh(notice)
    assert notice.status == "draft"


def test_followers_hear_of_a_publication_once_and_never_of_other_kinds(client, auth, admin_user, mail):
    calls, everything, results = factories.UserFactory(), factories.UserFactory(), factories.UserFactory()
    db.session.commit()
    subscriptions.follow(calls, "announcements", "call")
    subscriptions.follow(everything, "announcements", "")
    subscriptions.follow(results, "announcements", "result")
    subscription = subscriptions.follow(everything, "announcements", "")
    subscription.frequency = "immediate"
    db.session.commit()
    auth.as_(calls)
    response = client.post("/subscriptions/follow", data={"kind": "announcements", "value": "news"})
    assert "已关注：有新的通知公告时会在通知中心提醒您" in client.get(response.location).get_data(
        as_text=True
    )
    auth.as_(admin_user)
    client.post("/admin/announcements/new", data=FORM)
    notice = db.session.scalar(select(Announcement))
    client.post(f"/admin/announcements/{notice.id}/publish")
    client.post(f"/admin/announcements/{notice.id}/withdraw")
    client.post(f"/admin/announcements/{notice.id}/publish")  # published again: nobody hears twice
    assert hits(calls) == [("announcement", notice.id)] and hits(everything) == [("announcement", notice.id)]
    assert hits(results) == []
    assert [m["subject"] for m in mail if m["to"] == everything.email] == [f"订阅提醒：{notice.title}"]


def test_followers_of_events_and_of_the_host_platform_hear_of_a_new_event(db, auth, client):
    event = factories.EventFactory(status="draft", published_at=None)
    operator = factories.UserFactory(role="operator", organization=event.platform.organization)
    lectures, all_events, platform_fan = (factories.UserFactory() for _ in range(3))
    db.session.commit()
    subscriptions.follow(lectures, "events", "lecture")
    subscriptions.follow(all_events, "events", "")
    subscriptions.follow(platform_fan, "platform", str(event.platform_id))
    subscriptions.follow(operator, "events", "")  # nobody hears of their own platform's event
    db.session.commit()
    auth.as_(operator)
    client.post(f"/my/events/{event.id}/publish")
    assert hits(all_events) == [("event", event.id)] and hits(platform_fan) == [("event", event.id)]
    assert hits(lectures) == [] and hits(operator) == []


def test_the_announcements_feed_parses_and_filters_by_kind(client, db):
    factories.AnnouncementFactory(title="认定申报通知")
    factories.AnnouncementFactory(kind="policy", title="政策解读")
    factories.AnnouncementFactory(title="草稿公告", status="draft", published_at=None)
    db.session.commit()
    feed = feedparser.parse(client.get("/feeds/announcements.atom").data)
    assert not feed.bozo and {e.title for e in feed.entries} == {"认定申报通知", "政策解读"}
    feed = feedparser.parse(client.get("/feeds/announcements.atom?kind=policy").data)
    assert [e.title for e in feed.entries] == ["政策解读"]
    assert client.get("/feeds/announcements.atom?kind=nonsense").status_code == 404
