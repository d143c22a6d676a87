"""The query planner's statistics (core/statistics.py): gathered after `flask import-data` and nightly,
so a filter on a rare value starts from its index."""

from __future__ import annotations

from sqlalchemy import text

from marketplace.core.statistics import refresh_statistics_nightly
from tests import factories
from tests.interchange.test_bulk_import import document, write


def analysed(db) -> bool:
    """Whether the offerings table has planner statistics."""
    if db.engine.dialect.name == "postgresql":
        return bool(
            db.session.scalar(
                text("SELECT reltuples >= 0 FROM pg_class WHERE relname = 'offerings'")  # -1: never
            )
        )
    if not db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        return False
    return bool(db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'offerings'")))


def clear_statistics(db) -> None:
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()


def test_an_import_leaves_the_planner_statistics_of_its_rows(app, db, runner, tmp_path):
    clear_statistics(db)
    result = runner.invoke(args=["import-data", write(tmp_path, document())])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert analysed(db)


def test_the_nightly_job_gathers_them(app, db):
    factories.OfferingFactory.create_batch(3)
    db.session.commit()
    clear_statistics(db)
    refresh_statistics_nightly.call_local()
    db.session.rollback()
    assert analysed(db)
