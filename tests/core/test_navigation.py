"""The navigation's counts (unread notices, unread messages, self-reports to submit) on every signed-in
page: read in one statement, with the figures each feature counts, never for those without the link."""

from __future__ import annotations

import re

import pytest

from marketplace.messaging import services as messaging
from tests import factories
from tests.catalog.test_catalog import Statements

COUNTED = ("notifications", "messages", "campaign_participants")


@pytest.fixture
def operator_world(db):
    """An operator of a platform in a campaign taking self-reports, with three unread messages from the
    firm of one of its bookings and five unread notices (two, and one per message)."""
    booking = factories.BookingFactory()
    operator = factories.UserFactory(role="operator", organization=booking.platform.organization)
    factories.CampaignParticipantFactory(platform=booking.platform)
    for _ in range(2):
        factories.NotificationFactory(user_id=operator.id)
    for body in ("样品已寄出", "请确认收货", "何时开始？"):
        messaging.post_message(booking.requested_by, booking, body)
    db.session.commit()
    return booking, operator


def _counting_statements(client, db, path: str) -> tuple[str, list[str]]:
    with Statements(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True), [
        sql for sql in statements.sql if any(f"FROM {table}" in sql for table in COUNTED)
    ]


def test_an_operators_page_reads_every_navigation_count_in_one_statement(client, auth, db, operator_world):
    _booking, operator = operator_world
    auth.as_(operator)
    page, counting = _counting_statements(client, db, "/account/")
    assert len(counting) == 1 and all(f"FROM {table}" in counting[0] for table in COUNTED)
    assert re.search(r'href="/messages/">消息 <b class="badge"[^>]*>3</b>', page)
    assert re.search(r'通知 <b class="badge">5</b>', page)
    assert re.search(r'绩效自评 <b class="badge"[^>]*>1</b>', page)


def test_a_firm_reads_its_notices_and_messages_in_one_statement_and_no_self_reports(
    client, auth, db, operator_world
):
    booking, operator = operator_world
    messaging.post_message(operator, booking, "收到，下周一开始。")
    factories.NotificationFactory(user_id=booking.requested_by.id)
    db.session.commit()
    auth.as_(booking.requested_by)
    page, counting = _counting_statements(client, db, "/account/")
    assert len(counting) == 1 and "campaign_participants" not in counting[0]
    assert re.search(r'href="/messages/">消息 <b class="badge"[^>]*>1</b>', page)
    assert "绩效自评" not in page


def test_anonymous_visitors_read_no_counts(client, db, operator_world):
    _page, counting = _counting_statements(client, db, "/account/login")
    assert counting == []
