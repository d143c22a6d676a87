"""Every model has a factory that builds a valid, storable object by default."""

import pytest
from sqlalchemy import inspect

from marketplace.core.labels import LabelRow
from marketplace.extensions import db as _db
from tests import factories


def test_every_model_has_a_factory():
    covered = {f._meta.model for f in factories.ALL}
    # Label rows (platform_domains, …) are part of their owner and built by the owner's factory.
    models = {m.class_ for m in _db.Model.registry.mappers if not issubclass(m.class_, LabelRow)}
    assert covered == models


@pytest.mark.parametrize("factory", factories.ALL, ids=lambda f: f.__name__)
def test_factories_build_valid_objects(db, factory):
    obj = factory()
    assert inspect(obj).persistent and None not in inspect(obj).identity
    db.session.commit()  # constraints hold (an outbox row is then drained away, as it should be)
