"""The notification centre: the unread count, filtering by category and unread, opening a notice marks
it read and follows its link, marking all read (of one category), and nobody opens another's notice."""

import pytest

from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests import factories


@pytest.fixture
def notices(auth, firm_user):
    auth.as_(firm_user)

    def notice(category, message, link=None):
        return factories.NotificationFactory(
            user_id=firm_user.id, category=category, message=message, link=link
        )

    rows = {
        "push": notice("subscription", "新的中试资源：发酵罐", "/offerings/1"),
        "booking": notice("service", "预约已确认"),
        "review": notice("review", "平台审核通过"),
    }
    db.session.commit()
    return rows


def listed(client, url="/notifications/"):
    page = client.get(url).get_data(as_text=True)
    return [m for m in ("新的中试资源：发酵罐", "预约已确认", "平台审核通过") if m in page]


def test_the_centre_shows_the_unread_count_and_filters_by_category(client, notices):
    page = client.get("/notifications/").get_data(as_text=True)
    assert "未读 3 条" in page and '<b class="badge">3</b>' in page
    assert listed(client, "/notifications/?category=subscription") == ["新的中试资源：发酵罐"]
    assert listed(client, "/notifications/?category=review") == ["平台审核通过"]
    assert len(listed(client, "/notifications/?category=nonsense")) == 3  # an unknown category: all


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, notices):
    response = client.get(f"/notifications/{notices['push'].id}")
    assert response.status_code == 302 and response.location == "/offerings/1"
    db.session.expire_all()
    assert notices["push"].read_at is not None
    assert listed(client, "/notifications/?unread=1") == ["预约已确认", "平台审核通过"]
    no_link = client.get(f"/notifications/{notices['booking'].id}")
    assert no_link.location == "/notifications/"


def test_marking_one_category_read_leaves_the_others(client, notices):
    client.post("/notifications/read?category=review")
    assert listed(client, "/notifications/?unread=1") == ["新的中试资源：发酵罐", "预约已确认"]
    client.post("/notifications/read")
    assert listed(client, "/notifications/?unread=1") == []
    assert "没有未读通知" in client.get("/notifications/?unread=1").get_data(as_text=True)


def test_another_users_notice_is_not_found(client, notices):
    other = factories.NotificationFactory(link="/offerings/2")
    db.session.commit()
    assert client.get(f"/notifications/{other.id}").status_code == 404
    assert db.session.get(Notification, other.id).read_at is None
    assert client.get("/notifications/99999").status_code == 404


def test_the_centre_pages(client, notices, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    first = client.get("/notifications/").get_data(as_text=True)
    assert "第 1 / 2 页" in first and "平台审核通过" in first and "新的中试资源" not in first
    assert "新的中试资源" in client.get("/notifications/?page=2").get_data(as_text=True)


def test_an_absolute_link_is_followed_on_this_site(client, notices):
    """Links are stored absolute for mails (on SITE_URL, which may differ from the host serving the page)."""
    note = factories.NotificationFactory(
        user_id=notices["push"].user_id, link="http://intranet.example:8080/offerings/7?tab=calendar#book"
    )
    db.session.commit()
    assert client.get(f"/notifications/{note.id}").location == "/offerings/7?tab=calendar#book"
