"""The public content's version (`outbox.latest_change`): the key of the public pages' cached counts and
pages. It moves with every committed change of a row anonymous visitors may see (every table but
`PRIVATE_TABLES`), in the same transaction, and never comes back."""

from __future__ import annotations

from sqlalchemy import update

from marketplace.accounts.models import Organization
from marketplace.extensions import db as _db
from marketplace.matching.models import SearchVersion
from marketplace.matching.outbox import PRIVATE_TABLES, latest_change, memo
from marketplace.messaging.models import UnreadCount
from tests import factories


def test_it_moves_with_each_committed_change_of_a_public_row(db):
    start = latest_change()
    offering = factories.OfferingFactory()
    db.session.commit()
    created = latest_change()
    assert created != start

    offering.title = "改过的标题"
    db.session.flush()
    db.session.rollback()
    assert latest_change() == created  # rolled back: nothing to count

    offering.domains = ["新材料"]
    db.session.commit()
    relabelled = latest_change()
    assert relabelled not in (start, created)

    factories.AttachmentFactory(owner=offering)  # not searchable, but shown on the public pages
    db.session.commit()
    assert latest_change() != relabelled


def test_a_bulk_statement_on_a_public_table_moves_it(db):
    organization = factories.OrganizationFactory()
    db.session.commit()
    before = latest_change()
    db.session.execute(update(Organization).where(Organization.id == organization.id).values(name="新名称"))
    db.session.commit()
    assert latest_change() != before


def test_changes_no_anonymous_visitor_sees_leave_it_alone(db):
    user = factories.UserFactory()
    booking = factories.BookingFactory()
    db.session.commit()
    before = latest_change()
    factories.NotificationFactory(user_id=user.id)
    factories.LoginThrottleFactory()
    factories.MessageFactory(thread_id=booking.id, author_id=user.id)
    db.session.merge(UnreadCount(user_id=user.id, count=3))  # a badge's stored count
    db.session.commit()
    assert latest_change() == before


def test_every_private_table_exists(db):
    assert set(_db.metadata.tables) >= PRIVATE_TABLES


def test_a_counter_whose_row_was_removed_never_repeats_earlier_numbers(db):
    factories.PlatformFactory()
    db.session.commit()
    before = latest_change()
    db.session.execute(SearchVersion.__table__.delete())
    db.session.commit()
    factories.PlatformFactory()
    db.session.commit()
    assert latest_change() not in (0, before, before + 1)


def test_memo_computes_once_per_version(app, db):
    calls = []

    def count():
        calls.append(1)
        return len(calls)

    assert memo()("k", count) == 1 and memo()("k", count) == 1
    factories.PlatformFactory()
    _db.session.commit()
    assert memo()("k", count) == 2 and len(calls) == 2
