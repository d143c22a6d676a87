"""A gunicorn worker prepares its search before it takes requests (marketplace.gunicorn_conf)."""

import gc
from types import SimpleNamespace

from marketplace import gunicorn_conf
from marketplace.matching import engine, indexer

from ..factories import OfferingFactory


def test_a_starting_worker_builds_its_search_table_before_the_first_request(app, db):
    OfferingFactory(title="喷雾干燥中试线")
    db.session.commit()
    indexer.drain(app)
    engine._index_tables.clear()
    engine._segment_tables.clear()

    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=app))

    assert engine._index_tables, "the worker's first search would build the per-document table"
    assert gc.get_freeze_count() > 0, "a full collection during a request would walk the startup objects"
    gc.unfreeze()


def test_a_worker_starts_even_when_its_search_cannot_be_prepared(app, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OSError("index folder unreadable")

    monkeypatch.setattr(indexer, "live_searcher", broken)

    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=app))

    assert "search warm-up at worker start failed" in caplog.text
