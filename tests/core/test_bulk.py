"""`core.bulk`: rows written at once (COPY on PostgreSQL, executemany elsewhere) read back as an
INSERT of the same values writes them: column defaults, timestamps, JSON; a taken key raises
IntegrityError like an INSERT, and `insert_new` hands out ids in the rows' order."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.core import bulk
from marketplace.core.models import AuditLog, utcnow

TABLE = AuditLog.__table__


def rows(n: int, **extra) -> list[dict]:
    return [
        {
            "object_type": "test",
            "object_id": i,
            "new_state": "open",
            "details": {"序号": i, "名单": ["甲", "乙"]},
        }
        | extra
        for i in range(n)
    ]


def test_rows_read_back_with_their_values_and_defaults(app, db):
    before = utcnow()
    at = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    bulk.insert_rows(TABLE, rows(3))
    bulk.insert_rows(TABLE, rows(1, at=at, reason="说明\t含制表符\n与换行"))
    db.session.commit()
    written = db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "test").order_by(AuditLog.id)
    ).all()
    assert [(r.object_id, r.details) for r in written] == [
        (i, {"序号": i, "名单": ["甲", "乙"]}) for i in (0, 1, 2, 0)
    ]
    assert all(before - timedelta(seconds=1) <= r.at <= utcnow() for r in written[:3])  # the column default
    assert written[3].at == at and written[3].reason == "说明\t含制表符\n与换行"


def test_a_taken_key_raises_integrity_error(app, db):
    bulk.insert_rows(TABLE, rows(1, id=10**6))
    with pytest.raises(IntegrityError):
        bulk.insert_rows(TABLE, rows(1, id=10**6))
    db.session.rollback()
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.id == 10**6)) is None


def test_new_ids_follow_the_rows_order(app, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("insert_new is the PostgreSQL path (SQLite reads new ids back by ref)")
    ids = bulk.insert_new(TABLE, rows(5))
    db.session.commit()
    assert ids == sorted(ids) and len(set(ids)) == 5
    found = dict(
        db.session.execute(select(AuditLog.id, AuditLog.object_id).where(AuditLog.id.in_(ids))).all()
    )
    assert [found[i] for i in ids] == [0, 1, 2, 3, 4]
