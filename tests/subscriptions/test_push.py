"""New and changed items reach the users whose saved searches, follows or matcher pushes select them:
once each, never their own organisation's, in the notification centre and by mail as each chose."""

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.matching import indexer
from marketplace.matching.models import OutboxReader, SearchOutbox
from marketplace.notifications.models import Notification
from marketplace.subscriptions import services
from marketplace.subscriptions.models import Subscription, SubscriptionHit
from tests import factories


@pytest.fixture
def started(db):
    """The push has run once (a new reader starts at the end of the log: nothing before it is news)."""
    services.scan()
    db.session.commit()


def notices(user, category="subscription"):
    return list(
        db.session.scalars(
            select(Notification.message)
            .where(Notification.user_id == user.id, Notification.category == category)
            .order_by(Notification.id)
        )
    )


def fermenter(db, **values):
    offering = factories.OfferingFactory(
        title=values.pop("title", "1000 L 机械搅拌不锈钢发酵罐"),
        description=values.pop("description", "在线pH、溶氧控制，适合重组蛋白高密度发酵放大。"),
        **values,
    )
    db.session.commit()
    return offering


def test_a_saved_search_delivers_a_new_matching_offering_once(db, started, firm_user):
    services.save_search(firm_user, {"q": "发酵罐", "city": "青岛"})
    db.session.commit()
    offering = fermenter(db)
    factories.OfferingFactory(title="旋转蒸发仪", description="实验室溶剂回收。")
    db.session.commit()

    assert services.scan() == 1
    db.session.commit()
    assert notices(firm_user) == [
        f"保存的搜索“发酵罐 · 青岛”有新的中试资源：{offering.title}（{offering.platform.name}）"
    ]

    offering.description += "另配补料系统。"  # a change of an item already delivered is no news
    db.session.commit()
    assert services.scan() == 0
    assert len(notices(firm_user)) == 1


def test_filters_of_a_saved_search_apply(db, started, firm_user):
    services.save_search(firm_user, {"q": "发酵罐", "city": "济南"})
    db.session.commit()
    fermenter(db)  # the platform is in 青岛
    assert services.scan() == 0
    assert notices(firm_user) == []


def test_nobody_hears_of_their_own_organisations_offering(db, started, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization)
    services.save_search(operator_user, {"q": "发酵罐"})
    services.follow(operator_user, "domain", "生物医药")
    db.session.commit()
    fermenter(db, platform=platform)
    assert services.scan() == 0


def test_two_subscriptions_selecting_one_item_tell_it_once(db, started, firm_user):
    services.save_search(firm_user, {"q": "发酵罐"})
    services.follow(firm_user, "domain", "生物医药")
    services.follow(firm_user, "city", "青岛")
    db.session.commit()
    fermenter(db)
    assert services.scan() == 1
    assert db.session.scalar(select(func.count(SubscriptionHit.id))) == 1


@pytest.mark.parametrize(
    ("kind", "value", "found"),
    [
        ("domain", "生物医药", True),
        ("domain", "新材料", False),
        ("city", "青岛", True),
        ("city", "济南", False),
    ],
)
def test_following_a_domain_or_a_city(db, started, firm_user, kind, value, found):
    services.follow(firm_user, kind, value)
    db.session.commit()
    fermenter(db)
    assert services.scan() == int(found)


def test_following_a_platform(db, started, firm_user):
    followed, other = factories.PlatformFactory(), factories.PlatformFactory()
    db.session.commit()
    services.follow(firm_user, "platform", str(followed.id))
    db.session.commit()
    fermenter(db, platform=other)
    fermenter(db, platform=followed, title="50 L 发酵罐")
    assert services.scan() == 1
    assert "50 L 发酵罐" in notices(firm_user)[0]


def test_paused_offerings_and_inactive_subscriptions_deliver_nothing(db, started, firm_user):
    subscription = services.follow(firm_user, "domain", "生物医药")
    db.session.commit()
    fermenter(db, status="paused")
    assert services.scan() == 0
    subscription.active = False
    db.session.commit()
    fermenter(db)
    assert services.scan() == 0


def test_a_demand_search_is_for_platform_users_and_finds_open_demands(db, started, firm_user, operator_user):
    with pytest.raises(services.DomainError):
        services.save_search(firm_user, {"q": "发酵", "scope": "demand"})
    services.save_search(operator_user, {"q": "发酵", "scope": "demand"})
    db.session.commit()
    demand = factories.DemandFactory()
    factories.DemandFactory(status="draft", title="发酵工艺草稿")
    db.session.commit()
    services.scan()
    assert notices(operator_user) == [f"保存的搜索“发酵（需求）”有新的中试需求：{demand.title}"]


def test_a_firm_hears_of_a_new_offering_matching_its_open_demand(db, started, firm_user):
    demand = factories.DemandFactory(organization=firm_user.organization)
    db.session.commit()
    offering = fermenter(db)
    services.scan()
    db.session.commit()
    [message] = notices(firm_user)
    assert message.startswith(f"您的需求“{demand.title}”（匹配度 ")
    assert offering.title in message
    row = db.session.scalar(select(Subscription).where(Subscription.user_id == firm_user.id))
    assert row.kind == "demand_matches" and row.threshold == services.DEFAULT_THRESHOLD


@pytest.mark.parametrize(("threshold", "delivered"), [(30, 1), (95, 0)])
def test_a_firm_hears_of_matches_above_its_threshold_only(db, started, firm_user, threshold, delivered):
    factories.DemandFactory(organization=firm_user.organization)
    services.change(firm_user, None, frequency="daily", active=True, threshold=threshold)
    db.session.commit()
    # a fair match, not a close one: another kind of offering, in another domain
    fermenter(db, title="发酵工艺放大咨询", kind="service", domains=["新材料"])
    assert services.scan() == delivered


def test_a_firm_that_turned_the_push_off_hears_nothing(db, started, firm_user):
    factories.DemandFactory(organization=firm_user.organization)
    services.change(firm_user, None, frequency="daily", active=False, threshold=60)
    db.session.commit()
    fermenter(db)
    assert services.scan() == 0


def test_an_operator_hears_of_a_new_demand_matching_its_offering(db, started, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization)
    offering = fermenter(db, platform=platform)
    services.scan()  # its own offering is no news to anyone here
    demand = factories.DemandFactory()
    db.session.commit()
    services.scan()
    [message] = notices(operator_user)
    assert message.startswith(f"您的资源“{offering.title}”（匹配度 ") and demand.title in message


def test_the_threshold_is_a_percentage_between_30_and_95(db, firm_user):
    with pytest.raises(services.DomainError) as refused:
        services.change(firm_user, None, frequency="daily", active=True, threshold=20)
    assert refused.value.errors == [("threshold", "匹配度门槛至少为 30%。")]
    with pytest.raises(services.DomainError):
        services.change(firm_user, None, frequency="sometimes", active=True, threshold=60)


def test_administrators_have_no_matcher_push(db, admin_user):
    assert services.match_subscription(admin_user) is None


def test_the_log_is_kept_until_the_push_has_read_it(app, db, started, firm_user):
    services.follow(firm_user, "domain", "生物医药")
    db.session.commit()
    fermenter(db)
    indexer.drain(app)  # every index host has applied it ...
    assert db.session.scalar(select(func.count(SearchOutbox.id))) >= 1  # ... the push has not
    services.scan()
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
    reader = db.session.scalar(select(OutboxReader))
    assert reader.name == services.READER and reader.cursor > 0


def test_a_crash_before_the_commit_redoes_the_batch_once(db, started, firm_user, monkeypatch):
    services.follow(firm_user, "domain", "生物医药")
    db.session.commit()
    fermenter(db)
    real = indexer.advance_reader

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(indexer, "advance_reader", crash)
    with pytest.raises(RuntimeError):
        services.scan()
    db.session.rollback()
    assert notices(firm_user) == []
    monkeypatch.setattr(indexer, "advance_reader", real)
    assert services.scan() == 1
    db.session.commit()
    assert len(notices(firm_user)) == 1


def test_a_batch_matches_each_demand_once(db, started, firm_user, monkeypatch):
    """Two new fermenters near one demand that changed in the same batch: the demand is matched once (and
    told to the coverage once), and its firm hears of both offerings."""
    from marketplace import signals

    demand = factories.DemandFactory(organization=firm_user.organization)
    db.session.commit()
    services.scan()
    db.session.commit()
    demand.description += "（补充：需要在线溶氧控制）"
    first = factories.OfferingFactory(title="1000 L 机械搅拌不锈钢发酵罐", description="在线pH、溶氧控制。")
    second = factories.OfferingFactory(title="500 L 机械搅拌不锈钢发酵罐", description="在线pH、溶氧控制。")
    db.session.commit()
    told = []
    receiver = lambda sender, **_: told.append(sender.id)  # noqa: E731
    signals.demand_matched.connect(receiver)
    try:
        services.scan()
        db.session.commit()
    finally:
        signals.demand_matched.disconnect(receiver)
    assert told.count(demand.id) == 1
    messages = notices(firm_user)
    assert any(first.title in m for m in messages) and any(second.title in m for m in messages)
