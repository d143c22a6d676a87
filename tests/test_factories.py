"""Every model has a factory that builds a valid, storable object by default."""

import pytest

from marketplace.extensions import db as _db
from tests import factories


def test_every_model_has_a_factory():
    covered = {f._meta.model for f in factories.ALL}
    assert covered == {mapper.class_ for mapper in _db.Model.registry.mappers}


@pytest.mark.parametrize("factory", factories.ALL, ids=lambda f: f.__name__)
def test_factories_build_valid_objects(db, factory):
    obj = factory()
    assert obj.id is not None
    db.session.commit()  # constraints hold (an outbox row is then drained away, as it should be)
