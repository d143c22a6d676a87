"""The pages of the subscriptions: saving a search, following a domain, a city or a platform, 订阅管理
with each subscription's mail settings, and other people's subscriptions kept out of reach."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.subscriptions import services
from marketplace.subscriptions.models import Subscription
from tests import factories


@pytest.fixture
def signed_in(auth, firm_user):
    auth.as_(firm_user)
    return firm_user


def subscriptions(user):
    return list(db.session.scalars(select(Subscription).where(Subscription.user_id == user.id)))


def test_a_search_is_saved_from_its_page(client, signed_in):
    factories.OfferingFactory()
    db.session.commit()
    page = client.get("/search?q=发酵罐&city=青岛&sort=price_asc").get_data(as_text=True)
    assert "保存搜索，有新结果时提醒我" in page
    response = client.post("/subscriptions/search", data={"q": "发酵罐", "city": "青岛", "sort": "price_asc"})
    assert response.status_code == 302
    assert response.location.startswith("/search?")
    [saved] = subscriptions(signed_in)
    assert saved.query == {"q": "发酵罐", "city": "青岛"} and saved.name == "发酵罐 · 青岛"
    client.post("/subscriptions/search", data={"q": "发酵罐", "city": "青岛"})
    assert len(subscriptions(signed_in)) == 1  # saving it again keeps one
    page = client.get("/search?q=发酵罐&city=青岛&sort=newest").get_data(as_text=True)
    assert "✓ 已保存此搜索" in page and "保存搜索，有新结果时提醒我" not in page


def test_an_empty_search_cannot_be_saved(client, signed_in):
    response = client.post("/subscriptions/search", data={"q": "  "}, follow_redirects=True)
    assert "请先输入搜索词或选择筛选条件" in response.get_data(as_text=True)
    assert subscriptions(signed_in) == []


def test_anonymous_visitors_are_asked_to_sign_in(client, db):
    factories.OfferingFactory()
    db.session.commit()
    page = client.get("/search?q=发酵罐").get_data(as_text=True)
    assert "登录后可保存搜索" in page and "保存搜索，有新结果时提醒我" not in page
    assert client.post("/subscriptions/search", data={"q": "发酵罐"}).status_code == 302
    assert db.session.scalar(select(Subscription)) is None


def test_following_and_unfollowing_a_platform(client, signed_in):
    platform = factories.PlatformFactory()
    db.session.commit()
    url = f"/platforms/{platform.id}"
    assert "＋ 关注平台" in client.get(url).get_data(as_text=True)
    response = client.post(
        "/subscriptions/follow", data={"kind": "platform", "value": platform.id, "next": url}
    )
    assert response.status_code == 302 and response.location == url
    page = client.get(url).get_data(as_text=True)
    assert "✓ 已关注平台" in page
    [followed] = subscriptions(signed_in)
    page = client.post(f"/my/subscriptions/{followed.id}/delete", data={"next": url}, follow_redirects=True)
    assert "已取消关注" in page.get_data(as_text=True)
    assert subscriptions(signed_in) == []


def test_following_something_that_does_not_exist_is_refused(client, signed_in):
    draft = factories.PlatformFactory(status="draft")
    db.session.commit()
    for kind, value in [
        ("platform", draft.id),
        ("platform", "99999"),
        ("domain", "炼金术"),
        ("city", "东京"),
    ]:
        response = client.post(
            "/subscriptions/follow", data={"kind": kind, "value": value}, follow_redirects=True
        )
        assert "无法关注" in response.get_data(as_text=True)
    assert subscriptions(signed_in) == []


def test_a_domain_filter_offers_to_follow_the_domain(client, signed_in):
    page = client.get("/offerings?domain=生物医药").get_data(as_text=True)
    assert "＋ 关注“生物医药”领域" in page and "/feeds/offerings.atom?domain=" in page


def test_the_page_lists_subscriptions_and_the_matcher_push(client, signed_in):
    services.follow(signed_in, "domain", "新材料")
    db.session.commit()
    page = client.get("/my/subscriptions").get_data(as_text=True)
    assert "我的需求的新匹配资源" in page and "默认开启" in page
    assert '<span class="tag">关注领域</span> 新材料' in page


def test_settings_are_saved_and_a_bad_threshold_is_shown_beside_its_field(client, signed_in):
    response = client.post(
        "/my/subscriptions/matches",
        data={"matches-frequency": "weekly", "matches-threshold": "10", "matches-active": "y"},
    )
    assert response.status_code == 422
    assert "匹配度门槛至少为 30%" in response.get_data(as_text=True)
    assert subscriptions(signed_in) == []
    client.post(
        "/my/subscriptions/matches",
        data={"matches-frequency": "weekly", "matches-threshold": "80", "matches-active": "y"},
    )
    [row] = subscriptions(signed_in)
    assert (row.kind, row.frequency, row.threshold, row.active) == ("demand_matches", "weekly", 0.8, True)


def test_a_follow_can_be_switched_off_and_mailed_immediately(client, signed_in):
    followed = services.follow(signed_in, "city", "青岛")
    db.session.commit()
    client.post(f"/my/subscriptions/{followed.id}", data={f"s{followed.id}-frequency": "immediate"})
    db.session.expire_all()
    assert (followed.frequency, followed.active) == ("immediate", False)


def test_other_peoples_subscriptions_are_not_found(client, signed_in):
    others = factories.SubscriptionFactory()
    db.session.commit()
    assert client.post(f"/my/subscriptions/{others.id}", data={}).status_code == 404
    assert client.post(f"/my/subscriptions/{others.id}/delete").status_code == 404
    assert db.session.get(Subscription, others.id) is not None


def test_administrators_have_no_matcher_push_to_change(client, auth, admin_user):
    auth.as_(admin_user)
    assert client.post("/my/subscriptions/matches", data={"matches-frequency": "daily"}).status_code == 404
    assert "默认开启" not in client.get("/my/subscriptions").get_data(as_text=True)


def test_the_matcher_push_cannot_be_deleted(db, firm_user):
    services.change(firm_user, None, frequency="daily", active=True, threshold=60)
    db.session.commit()
    [row] = subscriptions(firm_user)
    with pytest.raises(services.DomainError):
        services.remove(firm_user, row.id)
