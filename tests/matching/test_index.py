"""The index follows the database: committed changes arrive, rolled-back ones never do, a crash
loses nothing, writers take turns, and rebuild/check do what they say."""

import functools
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from marketplace.extensions import db as _db
from marketplace.matching import indexer, services
from marketplace.matching.models import SearchOutbox
from marketplace.offerings.models import Offering
from tests import factories


def found(text, doc_type="offering"):
    return [hit.title for hit in services.search(text, doc_type=doc_type).items]


@pytest.fixture
def offering(db):
    offering = factories.OfferingFactory(title="碳化硅微通道连续流反应器")
    db.session.commit()
    return offering


def test_create_update_delete_reach_the_index(app, db, offering):
    assert found("微通道") == ["碳化硅微通道连续流反应器"]
    offering.title = "搪玻璃反应釜"
    db.session.commit()
    assert found("微通道") == [] and found("搪玻璃") == ["搪玻璃反应釜"]
    db.session.delete(offering)
    db.session.commit()
    assert found("搪玻璃") == []
    assert indexer.check(app) == {"missing": [], "stale": [], "extra": []}


def test_pause_and_platform_approval_reach_the_index(db, offering):
    offering.status = "paused"
    db.session.commit()
    assert found("微通道") == []
    offering.status = "active"
    offering.platform.status = "suspended"
    db.session.commit()
    assert found("微通道") == []
    offering.platform.status = "approved"
    db.session.commit()
    assert found("微通道") == ["碳化硅微通道连续流反应器"]
    offering.platform.name = "淄博连续流平台"
    db.session.commit()
    assert services.search("微通道").items[0].fields["platform_name"] == "淄博连续流平台"


def test_a_rolled_back_change_never_reaches_the_index(app, db, offering):
    factories.OfferingFactory(title="回滚的发酵罐", platform=offering.platform)
    offering.title = "回滚的标题"
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
    assert found("回滚") == [] and found("微通道") == ["碳化硅微通道连续流反应器"]
    assert indexer.check(app) == {"missing": [], "stale": [], "extra": []}


def test_crash_between_commit_and_index_write_loses_nothing(app, db, offering):
    app.config["SEARCH_SYNC_DRAIN"] = False  # as if the worker died right after the commit
    try:
        offering.title = "提交后崩溃的标题"
        db.session.commit()
    finally:
        app.config["SEARCH_SYNC_DRAIN"] = True
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 1
    report = indexer.check(app)
    assert report["stale"] == [f"offering:{offering.id}"]
    assert found("崩溃") == ["提交后崩溃的标题"]  # the next reader drains the outbox first
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0


def test_a_failed_drain_keeps_the_work(app, db, offering, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("killed mid-drain")

    monkeypatch.setattr(indexer, "documents_for", explode)
    offering.title = "失败后重试的标题"
    db.session.commit()  # the request does not fail
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 1
    monkeypatch.undo()
    assert indexer.drain(app) == 1
    assert found("重试") == ["失败后重试的标题"]


def test_a_busy_index_never_fails_a_request(app, client, auth, db, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization)
    db.session.commit()
    app.config["SEARCH_DRAIN_WAIT"] = 0.05
    try:
        with indexer.writer_lock(Path(app.config["SEARCH_INDEX_DIR"]), 1.0):  # another process is writing
            auth.as_(operator_user)
            response = client.post(
                f"/my/platforms/{platform.id}/offerings/new",
                data={
                    "kind": "equipment",
                    "title": "锁住时发布的设备",
                    "domains": ["生物医药"],
                    "price_unit": "",
                },
            )
            assert response.status_code == 302
            assert client.get("/search?q=锁住").status_code == 200
            assert db.session.scalar(select(func.count(SearchOutbox.id))) >= 1
    finally:
        app.config["SEARCH_DRAIN_WAIT"] = 2.0
    assert found("锁住时发布") == ["锁住时发布的设备"]


def test_a_search_during_a_rebuild_answers_at_once_from_the_index_as_it_is(app, db, offering, monkeypatch):
    """A rebuild holds the writer lock for minutes: a search does not wait SEARCH_DRAIN_WAIT for it."""
    app.config["SEARCH_SYNC_DRAIN"] = False  # a change committed while the rebuild runs
    try:
        offering.title = "重建期间改过的标题"
        db.session.commit()
    finally:
        app.config["SEARCH_SYNC_DRAIN"] = True
    monkeypatch.setitem(app.config, "SEARCH_DRAIN_WAIT", 60.0)
    root = Path(app.config["SEARCH_INDEX_DIR"])
    with indexer.writer_lock(root, 1.0, indexer.REBUILDING):
        started = time.monotonic()
        assert found("微通道") == ["碳化硅微通道连续流反应器"]  # the index as it is
        assert time.monotonic() - started < 30  # not the 60 s wait
    assert found("重建期间") == ["重建期间改过的标题"]  # afterwards the change is applied


def test_a_search_applies_a_few_changes_and_leaves_a_large_import_to_the_worker(app, db, monkeypatch):
    assert found("批量导入") == []  # the index exists
    app.config["SEARCH_SYNC_DRAIN"] = False  # as an import that leaves its indexing to others
    try:
        factories.OfferingFactory.create_batch(5, title="批量导入的设备")
        db.session.commit()
    finally:
        app.config["SEARCH_SYNC_DRAIN"] = True
    monkeypatch.setitem(app.config, "SEARCH_DRAIN_LIMIT", 2)
    monkeypatch.setattr(indexer, "drain", functools.partial(indexer.drain, batch=2))
    assert len(found("批量导入")) == 2  # one batch applied by the search, the rest waits
    assert indexer.has_pending()


def test_two_writers_at_once(app, db):
    platform = factories.PlatformFactory()
    db.session.commit()
    platform_id = platform.id  # never touch the test's session from the threads
    errors = []

    def writer(n):
        try:
            with app.app_context():
                for i in range(5):
                    _db.session.add(
                        Offering(
                            platform_id=platform_id,
                            kind="service",
                            title=f"并发服务{n}-{i}",
                            domains=["生物医药"],
                            specs={},
                        )
                    )
                    _db.session.commit()
                _db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    indexer.drain(app)
    assert services.search("并发服务").total == 10
    assert indexer.check(app) == {"missing": [], "stale": [], "extra": []}


def test_check_reports_missing_stale_and_extra(app, db, offering):
    other = factories.OfferingFactory(title="另一台设备", platform=offering.platform)
    db.session.commit()
    services.search("")  # index up to date
    # Behind the index's back: a stale row, a missing row and an extra document.
    db.session.execute(
        update(Offering).where(Offering.id == offering.id).values(title="改过的标题", updated_at=func.now())
    )
    db.session.commit()
    db.session.execute(SearchOutbox.__table__.delete())
    db.session.commit()
    ix = indexer.open_index(app)
    with ix.writer() as w:
        w.delete_by_term("id", f"offering:{other.id}")
        w.add_document(id="offering:999999", doc_type="offering", obj_id=999999, title="幽灵", version="x")
    report = indexer.check(app)
    assert report == {
        "missing": [f"offering:{other.id}"],
        "stale": [f"offering:{offering.id}"],
        "extra": ["offering:999999"],
    }


def test_rebuild_swaps_atomically_and_check_is_clean(app, runner, db, offering):
    root = Path(app.config["SEARCH_INDEX_DIR"])
    services.search("")
    before = {p.name for p in root.glob("gen-*")}
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "已重建索引" in result.output
    after = {p.name for p in root.glob("gen-*")}
    assert len(after) == 1 and after != before
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert found("微通道") == ["碳化硅微通道连续流反应器"]


def test_segments_are_files_each_process_reads_from_the_shared_page_cache(app, db, offering):
    """Found at province scale: Whoosh copies each part of a compound segment file into the memory of the
    process that opens it, so every web worker held its own copy of the index (a 50,000-offering index
    added 250 MB to each). Segments, rebuilt or written by a change, are separate files."""
    root = Path(app.config["SEARCH_INDEX_DIR"])
    indexer.rebuild(app)
    offering.title = "搪玻璃反应釜"
    db.session.commit()
    assert found("搪玻璃") == ["搪玻璃反应釜"]
    files = [p.name for p in root.glob("gen-*/*")]
    assert any(name.endswith(".pst") for name in files)
    assert not [name for name in files if name.endswith(".seg")]


def test_rebuild_tells_its_progress(app, db, offering):
    factories.DemandFactory.create_batch(3)
    db.session.commit()
    seen = []
    count = indexer.rebuild(app, progress=seen.append)
    assert seen and seen[-1] == count == 1 + 1 + 3  # the offering, its platform, the demands
    assert found("微通道") == ["碳化硅微通道连续流反应器"]


def _results(demands):
    """What search and matching show, scores included."""
    pages = {
        (text, doc_type, sort): [
            (h.obj_id, h.score) for h in services.search(text, doc_type=doc_type, sort=sort).items
        ]
        for text in ("反应釜", "发酵 放大", "")
        for doc_type in ("offering", "demand", "platform")
        for sort in ("relevance", "price", "newest")
    }
    matches = {d.id: [(m.ref, m.score, m.reasons) for m in services.match_demand(d)] for d in demands}
    return pages, matches


def test_a_rebuild_writes_on_two_cores_and_finds_what_one_process_finds(app, db, monkeypatch):
    """Each process writes one segment of consecutive documents: search and matching read the same
    statistics and break ties in the same order as from one segment."""
    for n in range(4):
        platform = factories.PlatformFactory()
        for title in ("搪玻璃反应釜", "不锈钢发酵罐 500 L", "连续流微通道反应器"):
            factories.OfferingFactory(
                platform=platform, title=f"{title}{n % 2}", price_amount=1000.0 * (n % 2)
            )
    demands = factories.DemandFactory.create_batch(
        5, title="寻找发酵放大的反应釜", description="中试发酵 500 L"
    )
    db.session.commit()
    monkeypatch.setitem(app.config, "SEARCH_REBUILD_PART_MIN", 1)
    alone = indexer.rebuild(app, procs=1)
    assert len(indexer.open_index(app).reader().leaf_readers()) == 1
    before = _results(demands)
    seen = []
    assert indexer.rebuild(app, progress=seen.append) == alone == 4 + 12 + 5  # SEARCH_REBUILD_PROCS: 2
    assert seen[-1] == alone
    assert len(indexer.open_index(app).reader().leaf_readers()) == 2
    assert _results(demands) == before
    assert indexer.check(app) == {"missing": [], "stale": [], "extra": []}
    assert not list(Path(app.config["SEARCH_INDEX_DIR"]).glob("gen-*/*.tmp"))  # no temporary files left


def test_a_rebuild_writes_what_whooshs_own_writer_writes(app, db, tmp_path):
    """The bulk writer's index holds the same terms, postings, statistics, stored fields, lengths
    and columns as Whoosh's writer would write (search and matching read exactly the same)."""
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter

    from marketplace.matching.bulk import BulkWriter
    from marketplace.matching.documents import all_documents

    factories.OfferingFactory.create_batch(6, description="不锈钢发酵罐 500 L 大肠杆菌高密度发酵")
    factories.DemandFactory.create_batch(4)
    db.session.commit()
    docs = [d for d in all_documents(_db.session) if isinstance(d, dict)]
    docs += [{**d, "id": f"{d['id']}:{n}"} for n in range(30) for d in docs[:10]]  # posting lists > one block
    readers = []
    for name, writer in (("whoosh", SegmentWriter), ("bulk", BulkWriter)):
        ix = whoosh_index.create_in(str(tmp_path), indexer.make_schema(), indexname=name)
        w = writer(ix)
        for doc in docs:
            w.add_document(**doc)
        w.commit()
        readers.append(whoosh_index.open_dir(str(tmp_path), indexname=name).reader())
    theirs, ours = readers
    assert list(theirs.all_terms()) == list(ours.all_terms())
    assert max(theirs.doc_frequency(f, t) for f, t in theirs.all_terms()) > 128  # a block holds 128
    for field, term in theirs.all_terms():
        assert vars(theirs.term_info(field, term)) == vars(ours.term_info(field, term))
        assert _postings(theirs, field, term) == _postings(ours, field, term)
    assert list(theirs.all_stored_fields()) == list(ours.all_stored_fields())
    for docnum in range(theirs.doc_count_all()):
        assert theirs.doc_field_length(docnum, "content") == ours.doc_field_length(docnum, "content")
    for column in ("price", "price_desc", "created", "deadline"):
        assert list(theirs.column_reader(column)) == list(ours.column_reader(column))


def _postings(reader, field, term):
    m, out = reader.postings(field, term), []
    while m.is_active():
        out.append((m.id(), m.weight(), m.value(), m.block_min_length(), m.block_max_length()))
        m.next()
    return out


@pytest.mark.parametrize("damage", ["remove", "corrupt"])
def test_a_missing_or_corrupt_index_is_rebuilt_on_start(app, db, offering, damage):
    root = Path(app.config["SEARCH_INDEX_DIR"])
    services.search("")
    indexer._cache.__dict__.clear()  # a fresh process
    if damage == "remove":
        import shutil

        shutil.rmtree(root)
    else:
        for segment in root.glob("gen-*/*"):
            segment.write_bytes(b"garbage")
    assert found("微通道") == ["碳化硅微通道连续流反应器"]


def test_check_command_fails_on_drift(app, runner, db, offering):
    services.search("")
    ix = indexer.open_index(app)
    with ix.writer() as w:
        w.delete_by_term("id", f"offering:{offering.id}")
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "missing: 1" in result.output


def test_warm_up_preloads_common_posting_lists(app, db, offering):
    from marketplace.matching import engine

    services.search("")  # index built
    engine._postings_cache.clear()
    loaded = engine.warm(indexer.open_index(app), 5)
    assert loaded == 5 and len(engine._postings_cache) == 5
    assert found("微通道") == ["碳化硅微通道连续流反应器"]  # answers are the same with a warm cache


def test_posting_arrays_kept_are_bounded_in_bytes_and_the_warm_up_stops_when_full(
    app, db, offering, monkeypatch
):
    """The cache counted lists, and a common term's list grows with the index."""
    from marketplace.matching import engine

    services.search("")  # index built
    engine._postings_cache.clear()
    engine.warm(indexer.open_index(app), 1000)
    everything = engine._postings_cache.nbytes
    assert everything == sum(ids.nbytes + tf.nbytes for ids, tf in engine._postings_cache.values()) > 0
    monkeypatch.setattr(engine, "POSTINGS_CACHE_BYTES", everything // 3)
    engine._postings_cache.clear()
    loaded = engine.warm(indexer.open_index(app), 1000)
    assert 0 < len(engine._postings_cache) <= loaded < 1000  # stopped once full
    assert engine._postings_cache.nbytes <= everything // 3
    assert found("微通道") == ["碳化硅微通道连续流反应器"]  # lists read again when they were not kept
    assert engine._postings_cache.nbytes <= everything // 3


def test_the_engine_reads_columns_and_lengths_as_whoosh_does(app, db, offering):
    """Per-document arrays (lengths, prices, dates) are read a column at a time; they hold what
    Whoosh's readers give document by document, also across segments with deletions."""
    import numpy as np

    from marketplace.matching import engine
    from marketplace.matching.documents import NEGOTIABLE_SORT

    factories.OfferingFactory(title="搪玻璃反应釜", price_amount=None)
    factories.DemandFactory()
    db.session.commit()
    offering.price_amount = 1234.5
    db.session.commit()  # a second segment, and a deletion in the first
    searcher = indexer.open_index(app).searcher()
    for leaf, _offset in searcher.leaf_searchers():
        reader = leaf.reader()
        n = reader.doc_count_all()
        lengths = [reader.doc_field_length(i, "content", 0) for i in range(n)]
        assert engine._lengths(reader, "content", n).tolist() == lengths
        for column, default in (
            ("price", NEGOTIABLE_SORT),
            ("price_desc", 0),
            ("created", 0),
            ("deadline", 0),
        ):
            expected = (
                [v for v in reader.column_reader(column)] if reader.has_column(column) else [default] * n
            )
            assert engine._column(reader, column, n, default).tolist() == expected
            assert engine._column(reader, column, n, default).dtype == np.int64
    searcher.close()
