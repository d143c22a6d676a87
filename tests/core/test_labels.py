"""Label lists stored one row per label: order, duplicates, deletion, and the search index following them."""

from sqlalchemy import func, select

from marketplace.matching import indexer, services
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform
from tests import factories


def reloaded(db, model, obj_id):
    db.session.expire_all()
    return db.session.get(model, obj_id)


def test_labels_keep_the_users_order_through_save_and_load(db):
    platform = factories.PlatformFactory(
        domains=["高端化工", "生物医药"], certifications=["GMP", "CNAS", "CMA"]
    )
    demand = factories.DemandFactory(kinds=["service", "equipment"], city_preference=["青岛", "济南"])
    db.session.commit()
    platform = reloaded(db, Platform, platform.id)
    assert platform.domains == ["高端化工", "生物医药"] and platform.certifications == ["GMP", "CNAS", "CMA"]
    assert (demand.kinds, demand.city_preference) == (["service", "equipment"], ["青岛", "济南"])

    platform.certifications = ["CMA", "GMP"]
    db.session.commit()
    assert reloaded(db, Platform, platform.id).certifications == ["CMA", "GMP"]
    rows = Platform.certifications.row
    assert db.session.scalar(select(func.count()).select_from(rows).where(rows.owner_id == platform.id)) == 2


def test_repeated_and_empty_labels_are_dropped(db):
    platform = factories.PlatformFactory(certifications=["GMP", "", "GMP", "CNAS"])
    db.session.commit()
    assert reloaded(db, Platform, platform.id).certifications == ["GMP", "CNAS"]


def test_deleting_an_offering_deletes_its_labels(db):
    offering = factories.OfferingFactory(domains=["生物医药", "食品"])
    db.session.commit()
    db.session.delete(offering)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Offering.domains.row)) == 0


def test_a_change_of_labels_alone_reaches_the_search_index(app, db):
    offering = factories.OfferingFactory(title="碳化硅微通道连续流反应器", domains=["高端化工"])
    db.session.commit()
    before = offering.updated_at
    offering.domains = ["高端化工", "新材料"]
    db.session.commit()
    assert offering.updated_at > before
    hits = services.search("", filters={"domain": "新材料"}).items
    assert [hit.title for hit in hits] == ["碳化硅微通道连续流反应器"]
    assert indexer.check(app) == {"missing": [], "stale": [], "extra": []}
