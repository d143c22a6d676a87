"""Mail of the subscriptions: at once or in daily / weekly digests, each item mailed once, digests safe to
run twice and resumed after a crash, and a signed, expiring one-click unsubscribe link in every mail."""

import re
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from marketplace.core.models import utcnow
from marketplace.extensions import db
from marketplace.subscriptions import services
from marketplace.subscriptions.models import Subscription, SubscriptionHit
from tests import factories


@pytest.fixture
def started(db):
    services.scan()
    db.session.commit()


def follower(frequency: str, **values):
    user = factories.UserFactory(**values)
    subscription = services.follow(user, "domain", "生物医药")
    subscription.frequency = frequency
    db.session.commit()
    return user, subscription


def publish(title="1000 L 机械搅拌不锈钢发酵罐"):
    offering = factories.OfferingFactory(title=title)
    db.session.commit()
    services.scan()
    return offering


def unsubscribe_link(body: str) -> str:
    return re.search(r"一键退订：(\S+)", body).group(1).replace("http://localhost", "")


def test_an_immediate_subscription_mails_each_item_at_once_with_an_unsubscribe_header(db, started, mail):
    user, _ = follower("immediate")
    offering = publish()
    [sent] = [m for m in mail if m["to"] == user.email]
    assert sent["subject"] == f"订阅提醒：{offering.title}"
    assert offering.title in sent["body"] and "一键退订" in sent["body"]
    assert sent["headers"]["List-Unsubscribe"] == f"<http://localhost{unsubscribe_link(sent['body'])}>"
    assert sent["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert services.send_digests("daily") == 0  # mailed already


def test_a_daily_digest_gathers_the_items_and_a_second_run_sends_nothing(db, started, mail):
    user, _ = follower("daily")
    first, second = publish("200 L 发酵罐"), publish("500 L 发酵罐")
    assert [m for m in mail if m["to"] == user.email] == []  # no mail until the digest
    assert services.send_digests("weekly") == 0
    assert services.send_digests("daily") == 1
    [digest] = [m for m in mail if m["to"] == user.email]
    assert digest["subject"] == "中试平台服务市场每日摘要：2 条新信息"
    assert first.title in digest["body"] and second.title in digest["body"]
    assert "List-Unsubscribe" in digest["headers"]
    assert services.send_digests("daily") == 0
    assert len([m for m in mail if m["to"] == user.email]) == 1


def test_an_in_app_only_subscription_mails_nothing(db, started, mail):
    user, _ = follower("none")
    publish()
    assert services.send_digests("daily") == 0
    assert [m for m in mail if m["to"] == user.email] == []


def test_a_crash_in_the_middle_of_the_digests_sends_the_rest_and_nothing_twice(
    db, started, mail, monkeypatch
):
    first, _ = follower("daily")
    second, _ = follower("daily")
    publish()
    real = services.send_email

    def fail_for_the_second(to, *args, **kwargs):
        if to == second.email:
            raise RuntimeError("worker killed")
        return real(to, *args, **kwargs)

    monkeypatch.setattr(services, "send_email", fail_for_the_second)
    with pytest.raises(RuntimeError):
        services.send_digests("daily")
    db.session.rollback()
    monkeypatch.setattr(services, "send_email", real)
    assert services.send_digests("daily") == 1  # the second user's; the first one's went before the crash
    assert sorted(m["to"] for m in mail if "摘要" in m["subject"]) == sorted([first.email, second.email])


def test_a_deactivated_account_gets_no_digest(db, started, mail):
    user, _ = follower("daily")
    publish()
    user.is_enabled = False
    db.session.commit()
    assert services.send_digests("daily") == 0
    assert services.send_digests("daily") == 0


def test_the_send_digests_command_prints_sent_n_and_sends_nothing_the_second_time(db, started, runner, mail):
    follower("weekly")
    factories.OfferingFactory()
    db.session.commit()  # not scanned yet: the command scans first
    result = runner.invoke(args=["notify", "send-digests", "--frequency", "weekly"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "sent 1"
    again = runner.invoke(args=["notify", "send-digests", "--frequency", "weekly"])
    assert again.output.strip().splitlines()[-1] == "sent 0"
    assert runner.invoke(args=["notify", "send-digests"]).output.strip().splitlines()[-1] == "sent 0"
    assert runner.invoke(args=["notify", "send-digests", "--frequency", "hourly"]).exit_code != 0


def test_the_unsubscribe_link_works_without_signing_in(client, db, started, mail):
    user, subscription = follower("immediate")
    publish()
    link = unsubscribe_link(mail[-1]["body"])
    page = client.get(link)
    assert page.status_code == 200 and "确认退订" in page.get_data(as_text=True)
    assert db.session.get(Subscription, subscription.id).frequency == "immediate"  # a GET changes nothing
    done = client.post(link)
    assert done.status_code == 200 and "已退订" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Subscription, subscription.id).frequency == "none"
    again = client.get(link).get_data(as_text=True)  # the link opened again says so
    assert "已退订" in again and "确认退订" not in again
    publish("50 L 发酵罐")
    assert len([m for m in mail if m["to"] == user.email]) == 1  # no more mail ...
    assert db.session.scalar(
        select(SubscriptionHit).where(SubscriptionHit.title == "50 L 发酵罐")
    )  # ... still told


def test_a_mail_programs_one_click_post_needs_no_session_or_csrf_token(
    app, client, db, started, mail, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    _, subscription = follower("immediate")
    publish()
    response = client.post(unsubscribe_link(mail[-1]["body"]), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    db.session.expire_all()
    assert db.session.get(Subscription, subscription.id).frequency == "none"


def test_a_tampered_link_is_refused(client, db, started, mail):
    _, subscription = follower("immediate")
    publish()
    link = unsubscribe_link(mail[-1]["body"])
    token = link.rsplit("/", 1)[1]
    forged = link.replace(token, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    response = client.post(forged)
    assert response.status_code == 400 and "退订链接无效" in response.get_data(as_text=True)
    assert db.session.get(Subscription, subscription.id).frequency == "immediate"


def test_an_expired_link_is_refused(app, client, db, monkeypatch):
    user, subscription = follower("daily")
    old = int((utcnow() - timedelta(days=app.config["UNSUBSCRIBE_LINK_DAYS"] + 1)).timestamp())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: old)
    with app.test_request_context():
        token = services.unsubscribe_token(user, [subscription.id])
    monkeypatch.undo()
    response = client.post(f"/unsubscribe/{token}")
    assert response.status_code == 400 and "退订链接已过期" in response.get_data(as_text=True)
    assert db.session.get(Subscription, subscription.id).frequency == "daily"


def test_a_link_names_only_its_own_users_subscriptions(app, client, db):
    user, _ = follower("daily")
    _, others = follower("daily")
    with app.test_request_context():
        token = services.unsubscribe_token(user, [others.id])
    client.post(f"/unsubscribe/{token}")
    db.session.expire_all()
    assert db.session.get(Subscription, others.id).frequency == "daily"
