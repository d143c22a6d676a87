"""Pages of signed-in users kept for their session (`core.cache.member_page`): served again until a
committed change of a public row, of a private row of the user's organisation (`core.changes`), or the
next minute; never another user's page, never the page from before the user's own change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from marketplace.core import cache, changes
from marketplace.core.changes import ChangeCounter
from marketplace.extensions import db as _db
from marketplace.messaging.models import Message
from marketplace.notifications.models import Notification
from tests import factories

HEADER = cache.CACHE_HEADER
WORKBENCH = "/workbench/firm"


def counters() -> dict[str, int]:
    return dict(_db.session.execute(select(ChangeCounter.scope, ChangeCounter.value)).all())


def bumped(before: dict[str, int]) -> set[str]:
    after = counters()
    return {scope for scope, value in after.items() if before.get(scope) != value}


def sign_in(client, user) -> None:
    """Into the session, then a first page: it gives the session its forms' token (a page that
    changes the session is not kept)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    assert client.get("/account/").status_code == 200
    with client.session_transaction() as session:
        assert "csrf_token" in session


@pytest.fixture
def firm(db, client, firm_user):
    sign_in(client, firm_user)
    return firm_user


def test_a_signed_in_page_is_kept_for_the_session(client, firm):
    first = client.get(WORKBENCH)
    assert first.status_code == 200 and first.headers[HEADER] == "miss"
    again = client.get(WORKBENCH)
    assert again.headers[HEADER] == "hit" and again.data == first.data


def test_a_change_for_the_firm_by_someone_else_shows_at_once(client, db, firm):
    """A platform answers the firm's inquiry (a private row of both organisations)."""
    inquiry = factories.InquiryFactory(created_by=firm, subject="咨询中试放大周期")
    db.session.commit()
    assert "咨询中试放大周期" in client.get(WORKBENCH).text
    inquiry.subject = "咨询中试放大周期（已补充）"
    db.session.commit()
    page = client.get(WORKBENCH)
    assert page.headers[HEADER] == "miss" and "（已补充）" in page.text


def test_the_users_own_change_shows_on_the_next_page(client, db, firm):
    """The firm withdraws its inquiry (a private row only) and goes back to its workbench."""
    inquiry = factories.InquiryFactory(created_by=firm)
    db.session.commit()
    assert "待回复" in client.get(WORKBENCH).text.split('id="inquiries"')[1]
    answer = client.post(f"/inquiries/{inquiry.id}/withdraw", data={"reason": "需求已调整"})
    assert answer.status_code == 302
    shown = client.get(WORKBENCH)  # with the flash of the withdrawal: rendered, not kept
    assert "已撤回" in shown.text.split('id="inquiries"')[1] and HEADER not in shown.headers
    page = client.get(WORKBENCH)
    assert page.headers[HEADER] == "miss" and "已撤回" in page.text.split('id="inquiries"')[1]


def test_private_changes_of_other_organisations_keep_the_page(client, db, firm):
    other = factories.InquiryFactory()  # another firm's, to another platform
    someone = factories.UserFactory()
    db.session.commit()
    client.get(WORKBENCH)
    other.body = "补充：样品 20 公斤"
    factories.NotificationFactory(user_id=someone.id)
    db.session.commit()
    assert client.get(WORKBENCH).headers[HEADER] == "hit"
    assert f"/inquiries/{other.id}" not in client.get(WORKBENCH).text


def test_a_notification_of_the_user_gives_a_new_page(client, db, firm):
    client.get(WORKBENCH)
    factories.NotificationFactory(user_id=firm.id)
    db.session.commit()
    assert client.get(WORKBENCH).headers[HEADER] == "miss"


def test_a_public_change_gives_a_new_page(client, db, firm):
    booking = factories.BookingFactory(requested_by=firm, title="连续流微反应验证")
    db.session.commit()
    client.get(WORKBENCH)
    booking.title = "连续流微反应验证（二期）"
    db.session.commit()
    page = client.get(WORKBENCH)
    assert page.headers[HEADER] == "miss" and "连续流微反应验证（二期）" in page.text


def test_never_another_users_page(app, db, firm_user):
    """Two firms asking the same URL each get their own page, and a second session of the same user
    its own (its forms carry that session's token)."""
    mine = factories.BookingFactory(requested_by=firm_user, title="甲公司的发酵验证")
    theirs = factories.BookingFactory(title="乙公司的喷雾干燥")
    db.session.commit()
    first, second, again = app.test_client(), app.test_client(), app.test_client()
    for client, user in ((first, firm_user), (second, theirs.requested_by), (again, firm_user)):
        sign_in(client, user)
    pages = [client.get("/my/bookings") for client in (first, second, again)]
    assert [p.headers[HEADER] for p in pages] == ["miss", "miss", "miss"]
    assert mine.title in pages[0].text and theirs.title not in pages[0].text
    assert theirs.title in pages[1].text and mine.title not in pages[1].text


def test_the_page_shows_the_time_as_of_its_minute(client, db, firm, freeze_now):
    """Waiting times are measured from the minute the page is kept for; the next minute, a new page."""
    moment = freeze_now(datetime(2026, 3, 2, 9, 30, 40, tzinfo=UTC))
    proposal = factories.ProposalFactory(demand=factories.DemandFactory(organization=firm.organization))
    proposal.created_at = datetime(2026, 3, 2, 9, 25, 30, tzinfo=UTC)
    db.session.commit()
    first = client.get(WORKBENCH)
    assert "已等待 4 分钟" in first.text  # 09:30:00 − 09:25:30, not 09:30:40 − 09:25:30
    freeze_now(moment + timedelta(seconds=15))
    assert client.get(WORKBENCH).headers[HEADER] == "hit"
    freeze_now(moment + timedelta(seconds=25))  # 09:31:05
    page = client.get(WORKBENCH)
    assert page.headers[HEADER] == "miss" and "已等待 5 分钟" in page.text


def test_administrators_pages_follow_every_private_change(client, db, admin_user, operator_user):
    booking = factories.BookingFactory()
    db.session.commit()
    sign_in(client, admin_user)
    client.get("/platform/bookings")
    assert client.get("/platform/bookings").headers[HEADER] == "hit"
    factories.NotificationFactory(user_id=operator_user.id)  # someone else's private row
    db.session.commit()
    assert client.get("/platform/bookings").headers[HEADER] == "miss"
    assert booking.title in client.get("/platform/bookings").text


def test_a_flash_is_shown_and_its_page_not_kept(client, db, firm):
    client.get(WORKBENCH)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "已保存。")]
    page = client.get(WORKBENCH)
    assert "已保存。" in page.text and HEADER not in page.headers


# ---------------------------------------------------------------- whose counters a change bumps


def test_a_message_bumps_both_sides_of_its_thread(db, firm_user, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization)
    booking = factories.BookingFactory(
        requested_by=firm_user, offering=factories.OfferingFactory(platform=platform)
    )
    db.session.commit()
    before = counters()
    db.session.add(Message(thread_type="booking", thread_id=booking.id, author_id=firm_user.id, body="您好"))
    db.session.commit()
    assert {f"org:{firm_user.org_id}", f"org:{operator_user.org_id}", changes.ANY} <= bumped(before)
    assert changes.EVERYONE not in bumped(before)


def test_an_inquiry_bumps_the_firm_and_the_platforms_organisation(db):
    inquiry = factories.InquiryFactory()
    db.session.commit()
    platform_org = inquiry.offering.platform.org_id
    assert bumped({}) >= {f"org:{inquiry.org_id}", f"org:{platform_org}"}
    before = counters()
    inquiry.body = "补充说明"
    db.session.commit()
    assert bumped(before) == {f"org:{inquiry.org_id}", f"org:{platform_org}", changes.ANY}


def test_public_and_bookkeeping_changes_bump_no_private_counter(db):
    factories.OfferingFactory()
    factories.LoginThrottleFactory()
    db.session.commit()
    assert counters() == {}


def test_a_bulk_statement_on_a_private_table_makes_every_page_new(db, firm_user):
    factories.NotificationFactory(user_id=firm_user.id)
    db.session.commit()
    before = counters()
    db.session.execute(update(Notification).values(read_at=datetime(2026, 3, 1, tzinfo=UTC)))
    db.session.commit()
    assert changes.EVERYONE in bumped(before)


def test_a_message_in_a_thread_type_without_parties_makes_every_page_new(db):
    before = counters()
    db.session.add(Message(thread_type="nosuchthing", thread_id=1, body="?"))
    db.session.commit()
    assert changes.EVERYONE in bumped(before)


def test_a_rollback_bumps_nothing(db, firm_user):
    factories.NotificationFactory(user_id=firm_user.id)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert counters() == {}


def test_every_private_table_says_whose_pages_it_changes(app):
    """A private table added later must say it, or be listed as uncounted with its reason."""
    models = {m.local_table.name: m.class_ for m in _db.Model.registry.mappers}
    for table in changes.PRIVATE_TABLES - changes.UNCOUNTED_TABLES:
        assert hasattr(models[table], "__change_scopes__"), table
        for kind, _columns in models[table].__change_scopes__:
            assert kind == "org" or kind in changes._RESOLVERS, (table, kind)
