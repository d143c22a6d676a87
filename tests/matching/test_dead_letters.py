"""One bad record never stops search for everybody: a document that cannot be built or written is
set aside (a dead letter) with its error, the drain goes on with the rest, the periodic drain retries
it with backoff, administrators and `flask search check` see it, and it leaves once it indexes."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from marketplace.accounts.services import create_api_token
from marketplace.matching import indexer, registry, services
from marketplace.matching.models import SearchDeadLetter, SearchOutbox
from marketplace.offerings.models import Offering
from tests import factories


def found(text, doc_type="offering"):
    return [hit.title for hit in services.search(text, doc_type=doc_type).items]


def letters(db):
    db.session.expire_all()
    return list(db.session.scalars(select(SearchDeadLetter)))


def force_price(db, offering, amount):
    """Write a price behind the services' back, as an old release or a manual SQL fix could, and
    queue the document the way any change of the row does."""
    db.session.execute(update(Offering).where(Offering.id == offering.id).values(price_amount=amount))
    db.session.execute(insert(SearchOutbox).values(doc_type="offering", doc_id=offering.id))
    db.session.commit()


@pytest.fixture
def platform(db, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization, domains=["高端化工"])
    db.session.commit()
    return platform


def test_the_reported_scenario(app, client, auth, runner, db, operator_user, admin_user, platform):
    """An operator tries 1e308 through the API and 1e400 through the form: both refused with a
    message. A row forced in with an infinite price does not stop other users' later changes from
    being searchable; it shows in `flask search check` and on the administrators' page; once fixed,
    it leaves the dead letters."""
    _, token = create_api_token(operator_user, "脚本")
    db.session.commit()
    response = client.post(
        "/api/v1/offerings",
        json={
            "platform_id": platform.id,
            "kind": "equipment",
            "title": "天价反应釜",
            "domains": ["高端化工"],
            "price": {"amount": 1e308, "unit": "day"},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert "价格应在 0 到 100 亿元之间" in str(response.json["errors"]["json"]["price"])
    auth.as_(operator_user)
    page = client.post(
        f"/my/platforms/{platform.id}/offerings/new",
        data={"kind": "equipment", "title": "天价反应釜", "domains": ["高端化工"]}
        | {"price_amount": "1e400", "price_unit": "day"},
    )
    assert page.status_code == 200 and "价格应在 0 到 100 亿元之间" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Offering.id))) == 0

    bad = factories.OfferingFactory(platform=platform, title="无穷价格的搪玻璃釜", domains=["高端化工"])
    db.session.commit()
    force_price(db, bad, float("inf"))
    # Other users' later changes reach the index all the same.
    factories.OfferingFactory(title="另一家平台的喷雾干燥塔")
    factories.DemandFactory(title="连续流硝化工艺放大")
    db.session.commit()
    assert found("喷雾干燥塔") == ["另一家平台的喷雾干燥塔"]
    assert found("硝化", doc_type="demand") == ["连续流硝化工艺放大"]
    assert found("搪玻璃釜") == []  # set aside, not shown with a price the database no longer has
    [letter] = letters(db)
    assert (letter.doc_type, letter.doc_id, letter.attempts) == ("offering", bad.id, 1)
    assert letter.error.startswith("OverflowError")
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0

    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "dead letters: 1" in result.output and f"offering:{bad.id}" in result.output
    assert "OverflowError" in result.output

    auth.as_(admin_user)
    assert "/admin/search" in client.get("/admin/").get_data(as_text=True)
    admin_page = client.get("/admin/search").get_data(as_text=True)
    assert "OverflowError" in admin_page and f"/offerings/{bad.id}" in admin_page and "重试" in admin_page

    # The operator corrects the price through the form: the document indexes and leaves the dead letters.
    auth.as_(operator_user)
    assert client.get(f"/my/offerings/{bad.id}").status_code == 200
    edit = client.post(
        f"/my/offerings/{bad.id}",
        data={"kind": "equipment", "title": "无穷价格的搪玻璃釜", "domains": ["高端化工"]}
        | {"price_amount": "1800", "price_unit": "day"},
    )
    assert edit.status_code == 302
    assert letters(db) == []
    assert found("搪玻璃釜") == ["无穷价格的搪玻璃釜"]
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_a_record_that_breaks_for_any_reason_is_isolated(app, db, monkeypatch):
    """Not only prices: whatever makes one document fail to build, the others of the batch go in."""
    platform = factories.PlatformFactory()
    first = factories.OfferingFactory(platform=platform, title="第一台冻干机")
    db.session.commit()
    source = registry.source("offering")

    def build(row):
        if row.id == first.id:
            raise KeyError("a builder bug that only this row triggers")
        return source.build(row)

    monkeypatch.setitem(registry._sources, "offering", dataclasses.replace(source, build=build))
    first.title = "第一台冻干机（改）"
    factories.OfferingFactory(platform=platform, title="第二台冻干机")
    db.session.commit()
    assert found("冻干机") == ["第二台冻干机"]
    [letter] = letters(db)
    assert letter.doc_id == first.id and "KeyError" in letter.error
    assert indexer.check(app)["missing"] == [f"offering:{first.id}"]

    monkeypatch.undo()
    assert indexer.requeue_dead_letters(ids=[letter.id]) == 1
    db.session.commit()
    assert sorted(found("冻干机")) == ["第一台冻干机（改）", "第二台冻干机"]
    assert letters(db) == []


def test_a_document_the_writer_refuses_does_not_spoil_the_others(app, db, monkeypatch):
    """Whoosh refusing a document half-way leaves its postings behind for the next one: the writer is
    cancelled and the batch written again without it."""
    platform = factories.PlatformFactory()
    db.session.commit()
    # Only the writer can tell (the check before writing is switched off).
    monkeypatch.setattr(indexer, "_preflight", lambda schema, doc: None, raising=False)
    source = registry.source("offering")

    def build(row):
        doc = source.build(row)
        return doc | {"price": 10**30} if row.title.startswith("坏") else doc

    monkeypatch.setitem(registry._sources, "offering", dataclasses.replace(source, build=build))
    bad = factories.OfferingFactory(platform=platform, title="坏文档离心机")
    good = factories.OfferingFactory(platform=platform, title="好文档离心机")
    db.session.commit()
    assert found("离心机") == ["好文档离心机"]
    assert [letter.doc_id for letter in letters(db)] == [bad.id]
    with indexer.open_index(app).searcher() as searcher:
        assert searcher.document(id=f"offering:{bad.id}") is None  # no stray postings of the bad one
        assert searcher.document(id=f"offering:{good.id}")["title"] == "好文档离心机"


@pytest.mark.parametrize("procs", ["1", "2"])
def test_rebuild_skips_what_it_cannot_build(app, runner, db, monkeypatch, procs):
    monkeypatch.setitem(
        app.config, "SEARCH_REBUILD_PART_MIN", 1
    )  # with 2: the offerings in a process of their own
    bad = factories.OfferingFactory(title="无法建立的压滤机")
    factories.OfferingFactory(title="正常的压滤机", platform=bad.platform)
    db.session.commit()
    db.session.execute(update(Offering).where(Offering.id == bad.id).values(price_amount=float("inf")))
    db.session.commit()
    result = runner.invoke(args=["search", "rebuild", "--procs", procs])
    assert result.exit_code == 0, result.output
    assert (
        "已重建索引：2 个文档" in result.output
    )  # the platform and the good offering and f"offering:{bad.id}" in result.output
    assert found("压滤机") == ["正常的压滤机"]
    assert [letter.doc_id for letter in letters(db)] == [bad.id]
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 1 and f"missing: 1  offering:{bad.id}" in check.output

    db.session.execute(update(Offering).where(Offering.id == bad.id).values(price_amount=900.0))
    db.session.commit()
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert letters(db) == [] and sorted(found("压滤机")) == ["无法建立的压滤机", "正常的压滤机"]


def test_the_periodic_drain_retries_with_backoff(app, db, jobs, freeze_now):
    start = freeze_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    bad = factories.OfferingFactory(title="等待重试的灌装线")
    db.session.commit()
    force_price(db, bad, float("inf"))
    indexer.drain(app)
    [letter] = letters(db)
    assert letter.attempts == 1 and letter.next_attempt_at == start + timedelta(minutes=1)

    freeze_now(start + timedelta(seconds=30))  # not due yet: nothing retried
    jobs.run_periodic(start + timedelta(seconds=30))
    assert letters(db)[0].attempts == 1

    again = freeze_now(start + timedelta(minutes=1))  # due, still broken: set aside for twice as long
    jobs.run_periodic(again)
    [letter] = letters(db)
    assert letter.attempts == 2 and letter.next_attempt_at == again + timedelta(minutes=2)
    assert letter.first_failed_at == start and letter.last_failed_at == again

    db.session.execute(update(Offering).where(Offering.id == bad.id).values(price_amount=5000.0))
    db.session.commit()  # fixed behind the index's back: only the retry can bring it in
    later = freeze_now(start + timedelta(minutes=3))
    jobs.run_periodic(later)
    assert letters(db) == []
    assert found("灌装线") == ["等待重试的灌装线"]


def test_administrators_retry_from_their_page(app, client, auth, db, admin_user, firm_user):
    bad = factories.OfferingFactory(title="管理员重试的干燥机")
    db.session.commit()
    force_price(db, bad, float("inf"))
    indexer.drain(app)
    [letter] = letters(db)
    auth.as_(firm_user)
    assert client.get("/admin/search").status_code == 403
    assert client.post("/admin/search/retry", data={"letter": letter.id}).status_code == 403

    auth.as_(admin_user)
    response = client.post("/admin/search/retry", data={"letter": letter.id}, follow_redirects=True)
    assert "仍有 1 个无法写入索引" in response.get_data(as_text=True)
    assert letters(db)[0].attempts == 2

    db.session.execute(update(Offering).where(Offering.id == bad.id).values(price_amount=700.0))
    db.session.commit()
    response = client.post("/admin/search/retry", data={"letter": letter.id}, follow_redirects=True)
    assert "均已写入索引" in response.get_data(as_text=True)
    assert "没有无法写入索引的文档" in response.get_data(as_text=True)
    assert letters(db) == [] and found("干燥机") == ["管理员重试的干燥机"]
