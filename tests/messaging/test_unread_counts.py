"""The navigation's unread-message badge reads a stored count per user; every change that can move
a count (a message, a read mark, a new colleague, a subject or a platform changing hands, a bulk
statement) leaves it equal to the count taken from the messages themselves."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import insert, select, update

from marketplace.extensions import db as _db
from marketplace.messaging import services
from marketplace.messaging.models import Message, UnreadCount
from tests import factories


@pytest.fixture
def parties(db):
    booking = factories.BookingFactory()
    firm = booking.requested_by
    operator = factories.UserFactory(role="operator", organization=booking.platform.organization)
    db.session.commit()
    return booking, firm, operator


def stored(user) -> int | None:
    row = _db.session.get(UnreadCount, user.id, populate_existing=True)
    return None if row is None else row.count


def live(user) -> int:
    return _db.session.scalar(select(services.unread_expression(user))) or 0


def assert_exact(*users) -> None:
    for user in users:
        assert (stored(user), services.unread_count(user)) == (live(user), live(user)), user.email


def badge(client) -> int:
    found = re.search(
        r'href="/messages/">消息 <b class="badge"[^>]*>(\d+)</b>', client.get("/").get_data(True)
    )
    return int(found.group(1)) if found else 0


def test_posting_and_reading_keep_the_stored_counts_exact(client, auth, parties):
    booking, firm, operator = parties
    services.post_message(operator, booking, "请确认到场人数")
    services.post_message(operator, booking, "请补充样品信息")
    _db.session.commit()
    assert stored(firm) == 2 and stored(operator) == 0
    auth.as_(firm)
    assert badge(client) == 2
    client.get(f"/messages/booking/{booking.id}")  # reads the thread
    assert stored(firm) == 0 and badge(client) == 0
    services.post_message(firm, booking, "好的")
    _db.session.commit()
    assert stored(operator) == 1
    assert_exact(firm, operator)


def test_the_badge_reads_the_stored_row_not_every_thread(client, auth, parties):
    booking, firm, operator = parties
    for _ in range(3):
        subject = factories.BookingFactory(requested_by=firm, offering=booking.offering)
        services.post_message(operator, subject, "消息")
    _db.session.commit()
    assert stored(firm) == 3
    with _db.engine.begin() as connection:  # marks the row (behind the session's back) to see who reads it
        connection.execute(
            update(UnreadCount.__table__).where(UnreadCount.user_id == firm.id).values(count=7)
        )
    auth.as_(firm)
    assert badge(client) == 7 and services.unread_count(firm) == 7


def test_a_new_colleague_and_a_user_moved_to_the_firm_see_its_unread_messages(client, auth, parties):
    booking, firm, operator = parties
    services.post_message(operator, booking, "请确认")
    _db.session.commit()
    colleague = factories.UserFactory(role="firm", organization=firm.organization)
    elsewhere = factories.UserFactory(role="firm")
    _db.session.commit()
    assert stored(elsewhere) == 0
    elsewhere.organization = firm.organization
    _db.session.commit()
    assert stored(colleague) == 1 and stored(elsewhere) == 1
    auth.as_(elsewhere)
    assert badge(client) == 1
    assert_exact(firm, operator, colleague, elsewhere)


def test_a_subject_moved_to_another_firm_moves_its_unread_messages(parties):
    booking, firm, operator = parties
    services.post_message(operator, booking, "请确认")
    _db.session.commit()
    other = factories.UserFactory(role="firm")
    _db.session.commit()
    booking.org_id = other.org_id
    _db.session.commit()
    assert stored(firm) == 0 and stored(other) == 1
    assert_exact(firm, operator, other)


def test_a_platform_given_to_another_organisation_by_an_import_moves_its_threads(runner, tmp_path, parties):
    booking, firm, operator = parties
    services.post_message(firm, booking, "请问样品需要提前几天寄到？")
    _db.session.commit()
    platform = booking.platform
    newcomer = factories.UserFactory(role="operator")
    _db.session.commit()
    assert stored(operator) == 1 and stored(newcomer) == 0
    document = {
        "format": "zhongshi/v1",
        "platforms": [
            {
                "ref": platform.ref,
                "org_ref": newcomer.organization.ref,
                "name": platform.name,
                "level": platform.level,
                "city": platform.city,
                "domains": ["生物医药"],
            }
        ],
    }
    path = tmp_path / "move.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-data", str(path)])
    assert result.exit_code == 0, result.output
    assert stored(operator) == 0 and stored(newcomer) == 1
    assert_exact(firm, operator, newcomer)


def test_bulk_written_messages_are_counted_live_until_recounted(runner, parties):
    booking, firm, operator = parties
    services.post_message(operator, booking, "请确认")
    _db.session.commit()
    assert stored(firm) == 1
    _db.session.execute(
        insert(Message.__table__), [{"thread_type": "booking", "thread_id": booking.id, "body": "批量"}]
    )
    _db.session.commit()
    assert stored(firm) is None and services.unread_count(firm) == 2  # no stale row: counted live
    result = runner.invoke(args=["messages", "recount"])
    assert result.exit_code == 0, result.output
    assert stored(firm) == 2 and stored(operator) == 1
    assert_exact(firm, operator)
