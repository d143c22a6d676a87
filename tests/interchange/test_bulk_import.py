"""`flask import-data` at scale: records written in batches (statements do not grow with the records),
the index brought up to date once after the commit (a drain for small imports, one rebuild for large
ones, never one per commit), progress for both phases, all or nothing whichever batch fails, and a
crash between the commit and the indexing repaired by the next drain."""

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Organization
from marketplace.core.models import AuditLog
from marketplace.demands.models import Demand
from marketplace.interchange import services
from marketplace.matching import indexer
from marketplace.matching import services as search
from marketplace.matching.models import SearchOutbox
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform
from tests.catalog.test_catalog import Statements

CLEAN = {"missing": [], "stale": [], "extra": []}


def document(offerings: int = 6, demands: int = 4, platforms: int = 2) -> dict:
    return {
        "format": "zhongshi/v1",
        "organizations": [
            {"ref": f"org-{i}", "name": f"济南某科技有限公司{i}", "kind": "enterprise", "city": "济南"}
            for i in range(platforms + 1)
        ],
        "platforms": [
            {
                "ref": f"plat-{i}",
                "org_ref": f"org-{i}",
                "name": f"中试平台{i}",
                "level": "省级",
                "city": "济南",
                "domains": ["生物医药", "高端化工"],
                "certifications": ["GMP"],
            }
            for i in range(platforms)
        ],
        "offerings": [
            {
                "ref": f"off-{i}",
                "platform_ref": f"plat-{i % platforms}",
                "kind": "equipment",
                "title": f"{100 + i} L 不锈钢发酵罐",
                "domains": ["生物医药"],
                "price": {"amount": 1000 + i, "unit": "day"},
                "quantity": 1,
            }
            for i in range(offerings)
        ],
        "demands": [
            {
                "ref": f"dem-{i}",
                "org_ref": f"org-{platforms}",
                "title": f"重组蛋白发酵工艺放大{i}",
                "domains": ["生物医药"],
                "kinds": ["equipment"],
                "window": {"start": "2099-03-01", "end": "2099-06-30"},
                "city_preference": ["济南"],
            }
            for i in range(demands)
        ],
    }


def write(tmp_path, doc: dict):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def calls(monkeypatch):
    """Every rebuild and drain of the index, in order (the real ones run)."""
    seen = []
    for name in ("rebuild", "drain"):
        real = getattr(indexer, name)

        def spy(*args, _name=name, _real=real, **kwargs):
            seen.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(indexer, name, spy)
    return seen


def test_the_statements_of_an_import_do_not_grow_with_its_records(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_REBUILD_MIN_DOCUMENTS", 10**6)

    def statements(n: int) -> int:
        with Statements(db.engine) as recorded:
            services.import_document(document(offerings=n, demands=n))
        db.session.rollback()
        return len(recorded.sql)

    assert statements(5) == statements(60)


def test_on_postgresql_new_rows_are_not_looked_up_after_their_insert(app, db):
    """PostgreSQL plans a table never analysed as a few pages: a lookup by ref after each batch scanned
    the whole growing table (1.5 s a batch at 100,000 demands). Its ids come back from the INSERT."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite looks the ids up by ref (RETURNING in order would cost a statement per row)")
    with Statements(db.engine) as recorded:
        services.import_document(document(offerings=5, demands=5))
    db.session.rollback()
    inserted = False
    for sql in recorded.sql:
        inserted = inserted or sql.startswith("INSERT INTO demands")
        assert not (inserted and sql.startswith("SELECT demands.ref")), sql


def test_a_large_import_rebuilds_the_index_once_after_its_commit(
    app, db, runner, tmp_path, calls, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_REBUILD_MIN_DOCUMENTS", 5)
    monkeypatch.setattr(services, "BATCH", 3)  # several batches, still one rebuild
    result = runner.invoke(args=["import-data", write(tmp_path, document())])
    assert result.exit_code == 0, result.output
    assert calls == ["rebuild"]  # no drain after the commit, no rebuild per batch
    assert count(db, SearchOutbox) == 0  # the rebuild covered the import's outbox rows
    assert indexer.check(app) == CLEAN
    assert "105 L 不锈钢发酵罐" in [hit.title for hit in search.search("发酵罐").items]


def test_a_small_import_drains_its_changes_into_the_index(app, db, runner, tmp_path, calls):
    indexer.rebuild(app)  # an index already serving
    calls.clear()
    assert runner.invoke(args=["import-data", write(tmp_path, document())]).exit_code == 0
    assert "rebuild" not in calls and "drain" in calls
    assert count(db, SearchOutbox) == 0 and indexer.check(app) == CLEAN
    assert search.search("重组蛋白", doc_type="demand").total == 4


def test_an_update_by_a_large_import_reaches_the_index_too(app, db, runner, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_REBUILD_MIN_DOCUMENTS", 5)
    doc = document()
    assert runner.invoke(args=["import-data", write(tmp_path, doc)]).exit_code == 0
    for record in doc["offerings"]:
        record["title"] = record["title"].replace("发酵罐", "反应釜")
    result = runner.invoke(args=["import-data", write(tmp_path, doc)])
    assert "offerings: 新增 0，更新 6，未变 0" in result.output
    assert indexer.check(app) == CLEAN and search.search("发酵罐").total == 0
    assert search.search("反应釜").total == 6


def test_both_phases_show_progress(app, db, runner, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_REBUILD_MIN_DOCUMENTS", 5)
    monkeypatch.setattr(services, "BATCH", 4)
    result = runner.invoke(args=["import-data", write(tmp_path, document())])
    lines = result.output.splitlines()
    writing = [line for line in lines if line.startswith("写入：")]
    # a line per tenth of the records in a log, and the total at the end
    assert len(writing) >= 3 and writing[-1].startswith("写入：15/15 条记录（100%）")
    assert any(line.startswith("索引：重建，12 个文档") for line in lines), lines
    assert lines[-1].startswith("索引：12/12 个文档（100%）")


def test_a_failure_in_a_late_batch_imports_nothing(app, db, runner, tmp_path, monkeypatch, calls):
    """The last batch of the last section fails on the database: every earlier batch of every section
    (records, labels, audit rows, outbox rows) is rolled back with it, and the index is not touched."""
    monkeypatch.setattr(services, "BATCH", 2)
    real = services._insert

    def failing_last_batch(section, model, records):
        if section == "demands" and records[-1][0]["ref"] == "dem-3":
            raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: demands.ref"))
        return real(section, model, records)

    monkeypatch.setattr(services, "_insert", failing_last_batch)
    result = runner.invoke(args=["import-data", write(tmp_path, document())])
    assert result.exit_code == 1 and "未导入任何记录" in result.output
    for model in (Organization, Platform, Offering, Demand, AuditLog, SearchOutbox, Platform.domains.row):
        assert count(db, model) == 0, model
    assert calls == [] and "索引" not in result.output


def test_two_records_of_a_file_sharing_a_unique_key_import_nothing(db, runner, tmp_path, monkeypatch):
    """A unique key the database refuses in a later batch (two organisations with one credit code)."""
    monkeypatch.setattr(services, "BATCH", 1)
    doc = document()
    doc["organizations"][0]["credit_code"] = doc["organizations"][2]["credit_code"] = "91350100M000100Y43"
    result = runner.invoke(args=["import-data", write(tmp_path, doc)])
    assert result.exit_code == 1 and "与数据库中已有记录冲突" in result.output
    assert count(db, Organization) == count(db, AuditLog) == 0


def test_a_crash_between_the_commit_and_the_indexing_is_repaired_by_the_next_drain(
    app, db, runner, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_REBUILD_MIN_DOCUMENTS", 5)
    indexer.rebuild(app)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies once the data is committed

    monkeypatch.setattr(services, "index_imported", crash)
    assert runner.invoke(args=["import-data", write(tmp_path, document())]).exit_code != 0
    assert count(db, Offering) == 6
    assert count(db, SearchOutbox) == 12  # the import's outbox rows: one per document, none drained
    assert len(indexer.check(app)["missing"]) == 12
    indexer.drain(app)  # the next commit, search, periodic drain or start
    assert indexer.check(app) == CLEAN and search.search("发酵罐").total == 6


def test_batches_upsert_by_ref_with_exact_counts(db, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 2)
    services.import_document(document(offerings=3))
    db.session.commit()
    doc = document(offerings=5)
    doc["offerings"][1]["title"] = "新标题"
    doc["platforms"][1]["domains"] = ["高端化工"]
    report = services.import_document(doc)
    db.session.commit()
    assert (report.created["offerings"], report.updated["offerings"], report.unchanged["offerings"]) == (
        2,
        1,
        2,
    )
    assert (report.updated["platforms"], report.unchanged["platforms"]) == (1, 1)
    assert db.session.scalar(select(Platform).where(Platform.ref == "plat-1")).domains == ["高端化工"]
    assert [o.ref for o in db.session.scalars(select(Offering).order_by(Offering.id))] == [
        f"off-{i}" for i in range(5)
    ]
