"""The search version (`outbox.latest_change`): the key of the public pages' cached counts. It moves
with every committed change of a searchable row, in the same transaction, and never comes back."""

from __future__ import annotations

from marketplace.extensions import db as _db
from marketplace.matching.models import SearchVersion
from marketplace.matching.outbox import latest_change, memo
from tests import factories


def test_it_moves_with_each_committed_change_of_a_searchable_row_only(db):
    start = latest_change()
    offering = factories.OfferingFactory()
    db.session.commit()
    created = latest_change()
    assert created != start

    offering.title = "改过的标题"
    db.session.flush()
    db.session.rollback()
    assert latest_change() == created  # rolled back: nothing to count

    factories.UserFactory()
    db.session.commit()
    assert latest_change() == created  # accounts are not in the catalogue

    offering.domains = ["新材料"]
    db.session.commit()
    assert latest_change() not in (start, created)


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
