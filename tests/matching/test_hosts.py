"""Several application hosts, one database: each keeps its own index replica by reading the outbox
with its own cursor. Both converge after writes on either, after a crash of one, while one is down
and after a rebuild of one; a row is deleted only once both have applied it, and forgetting a host
that is gone releases its rows."""

import json
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.extensions import db as _db
from marketplace.matching import indexer, services
from marketplace.matching.jobs import follow_outbox
from marketplace.matching.models import SearchHost, SearchOutbox
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform
from tests import factories

CLEAN = {"missing": [], "stale": [], "extra": []}


class Host:
    """One application host: an app with its own index folder and host id, on the shared database."""

    def __init__(self, app, name: str):
        self.app, self.name = app, name

    @contextmanager
    def context(self):
        with self.app.app_context():
            yield
            _db.session.remove()

    def search(self, text: str) -> list[str]:
        with self.context():
            return [hit.title for hit in services.search(text, doc_type="offering").items]

    def check(self) -> dict:
        with self.context():
            return indexer.check(self.app)

    def cli(self, *args: str):
        with self.context():  # the command runs in the app of the context it finds
            return self.app.test_cli_runner().invoke(args=list(args))

    def write(self, change) -> None:
        """Run `change()` in a request-like context of this host and commit."""
        with self.context():
            change()
            _db.session.commit()


@pytest.fixture
def hosts(app, db, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_HOST_ID", "host-a")
    config = {
        key: app.config[key]
        for key in (
            "TESTING",
            "SECRET_KEY",
            "SQLALCHEMY_DATABASE_URI",
            "UPLOAD_DIR",
            "WTF_CSRF_ENABLED",
            "SERVER_NAME",
            "SEARCH_WARMUP_TERMS",
            "JOBS_IMMEDIATE",
            "JOBS_BACKEND",
            "JOBS_REDIS_URL",
        )
    }
    other = create_app(
        config
        | {
            "SEARCH_INDEX_DIR": str(tmp_path / "index-b"),
            "SEARCH_HOST_ID": "host-b",
            "JOBS_SQLITE_PATH": str(tmp_path / "jobs-b.sqlite"),
        }
    )
    a, b = Host(app, "host-a"), Host(other, "host-b")
    # Both hosts serve a first search: each builds its replica and registers.
    factories.OfferingFactory(title="已有的喷雾干燥机")
    db.session.commit()
    assert a.search("喷雾") == b.search("喷雾") == ["已有的喷雾干燥机"]
    yield a, b
    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()
    shutil.rmtree(tmp_path / "index-b", ignore_errors=True)
    # Give the session app its jobs queue back (creating an app configures the process's last queue).
    from marketplace.core.jobs import init_jobs

    init_jobs(app)


def outbox(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(SearchOutbox.id)))


def cursors(db) -> dict[str, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(SearchHost.name, SearchHost.cursor)).all())


def add_offering(title: str):
    def change():
        factories.OfferingFactory(title=title, platform=_db.session.scalar(select(Platform)))

    return change


def rename(old: str, new: str):
    def change():
        offering = _db.session.scalar(select(Offering).where(Offering.title == old))
        offering.title = new

    return change


def remove(title: str):
    def change():
        _db.session.delete(_db.session.scalar(select(Offering).where(Offering.title == title)))

    return change


def test_both_hosts_converge_after_writes_on_either(db, hosts):
    a, b = hosts
    a.write(add_offering("甲写入的冻干机"))
    # A applied it after the commit; the row waits for B, which applies it before its next search.
    assert outbox(db) == 1 and cursors(db)["host-a"] > cursors(db)["host-b"]
    assert a.check() == CLEAN and b.check()["missing"]
    assert b.search("冻干机") == ["甲写入的冻干机"]
    assert outbox(db) == 0 and b.check() == CLEAN

    b.write(rename("甲写入的冻干机", "乙改过的冻干机"))
    assert a.search("冻干机") == ["乙改过的冻干机"]
    assert b.search("冻干机") == ["乙改过的冻干机"]
    for host in (a, b):
        assert host.cli("search", "check").exit_code == 0
    assert outbox(db) == 0


def test_a_crash_between_the_index_commit_and_the_cursor_loses_nothing(db, hosts, monkeypatch):
    a, b = hosts

    def crash(*args, **kwargs):
        raise RuntimeError("killed after the index commit")

    with monkeypatch.context() as patch:
        patch.setattr(indexer, "_advance", crash)
        a.write(add_offering("崩溃时写入的反应釜"))  # the request does not fail
    before = cursors(db)["host-a"]
    assert outbox(db) == 1  # A's cursor did not move: the row is applied again
    assert a.search("反应釜") == ["崩溃时写入的反应釜"]
    assert cursors(db)["host-a"] > before
    assert b.search("反应釜") == ["崩溃时写入的反应釜"]
    assert a.check() == b.check() == CLEAN
    assert outbox(db) == 0


def test_a_host_that_was_down_catches_up_and_rows_wait_for_it(db, hosts):
    a, b = hosts
    a.write(add_offering("停机时上架的离心机"))
    a.write(rename("已有的喷雾干燥机", "改名的喷雾干燥机"))
    a.write(remove("停机时上架的离心机"))
    # B was down: A has applied everything, nothing was deleted that B still needs.
    assert a.check() == CLEAN and outbox(db) == 3
    assert b.check()["stale"]
    with b.context():
        assert indexer.drain(b.app) == 3
    assert b.check() == CLEAN and outbox(db) == 0
    assert b.search("喷雾") == ["改名的喷雾干燥机"] and b.search("离心机") == []


def test_a_rebuild_of_one_host_keeps_the_rows_the_other_needs(db, hosts):
    a, b = hosts
    b.write(add_offering("乙写入的萃取塔"))
    assert outbox(db) == 1  # B applied it, A not yet
    assert b.cli("search", "rebuild").exit_code == 0
    assert outbox(db) == 1  # still waiting for A
    assert b.check() == CLEAN and b.search("萃取塔") == ["乙写入的萃取塔"]
    assert a.search("萃取塔") == ["乙写入的萃取塔"]
    assert outbox(db) == 0

    # A rebuild sets this host's cursor to its snapshot: both hosts past every row, rows deleted.
    a.write(add_offering("重建前写入的精馏塔"))
    assert a.cli("search", "rebuild").exit_code == 0
    assert b.cli("search", "rebuild").exit_code == 0
    assert outbox(db) == 0
    assert a.check() == b.check() == CLEAN


def test_forgetting_a_host_releases_its_rows_and_it_rebuilds_when_it_returns(db, hosts):
    a, b = hosts
    a.write(add_offering("第一台设备"))
    a.write(add_offering("第二台设备"))
    assert outbox(db) == 2
    listing = a.cli("search", "hosts").output
    assert "host-a  (本机)" in listing and "lag=0" in listing and "lag=2" in listing

    assert a.cli("search", "forget-host", "nowhere").exit_code == 1
    result = a.cli("search", "forget-host", "host-b")
    assert result.exit_code == 0 and "已注销" in result.output
    assert outbox(db) == 0 and set(cursors(db)) == {"host-a"}

    # B comes back: it can no longer know what it missed, so it rebuilds, and registers again.
    assert sorted(b.search("设备")) == ["第一台设备", "第二台设备"]
    assert b.check() == CLEAN and set(cursors(db)) == {"host-a", "host-b"}


def test_administrators_see_which_hosts_lag(db, hosts, client, auth, admin_user):
    a, _b = hosts
    a.write(add_offering("待同步的设备"))
    auth.as_(admin_user)
    page = client.get("/admin/search").get_data(as_text=True)
    assert "host-a" in page and "host-b" in page and "落后 1 条" in page


def test_an_index_from_before_hosts_keeps_its_pending_rows(app, db, monkeypatch):
    """An upgraded single-host deployment: its index has no cursor yet, and the rows that waited in
    the outbox before the upgrade are applied, not lost."""
    factories.OfferingFactory(title="升级前的设备")
    db.session.commit()
    assert services.search("升级前").total == 1
    root = Path(app.config["SEARCH_INDEX_DIR"])
    current = json.loads((root / "CURRENT").read_text())
    del current["as_of"]
    (root / "CURRENT").write_text(json.dumps(current))
    db.session.execute(SearchHost.__table__.delete())
    monkeypatch.setitem(app.config, "SEARCH_SYNC_DRAIN", False)  # pending when the upgrade ran
    offering = db.session.scalar(select(Offering))
    offering.title = "升级前改名的设备"
    db.session.commit()
    assert outbox(db) == 1
    assert [hit.title for hit in services.search("改名").items] == ["升级前改名的设备"]
    assert outbox(db) == 0 and indexer.check(app) == CLEAN


def test_a_change_flushed_first_and_committed_last_is_never_skipped(app, db):
    """Outbox ids follow the commits, not the flushes: a host whose cursor passed a later commit still
    finds the change that was flushed before it but committed after it."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: the first to flush is the first to commit")
    first, second = (
        factories.OfferingFactory(title="先写的设备"),
        factories.OfferingFactory(title="后写的设备"),
    )
    db.session.commit()
    assert services.search("设备").total == 2
    with Session(db.engine) as slow, Session(db.engine) as fast:
        slow.get(Offering, first.id).title = "先写后提交的设备"
        slow.flush()
        fast.get(Offering, second.id).title = "后写先提交的设备"
        fast.commit()  # drained at once: the cursor passes this change
        slow.commit()
    assert sorted(hit.title for hit in services.search("提交").items) == [
        "先写后提交的设备",
        "后写先提交的设备",
    ]
    assert indexer.check(app) == CLEAN


def test_index_work_is_written_with_the_commit(app, db):
    offering = factories.OfferingFactory(title="提交前的设备")
    db.session.flush()
    assert outbox(db) == 0  # only collected: written when the transaction commits
    db.session.commit()
    assert services.search("提交前").total == 1 and outbox(db) == 0
    assert offering.id in {hit.obj_id for hit in services.search("提交前").items}


def test_the_job_workers_loop_keeps_its_host_current(app, db, monkeypatch):
    """`flask jobs worker` drains its own host on a timer: changes another host wrote (or whose drain
    job ran elsewhere) reach this replica without a search asking for them."""
    services.search("")  # this host's index is built
    monkeypatch.setitem(app.config, "SEARCH_SYNC_DRAIN", False)  # the drain job ran on another host
    factories.OfferingFactory(title="由循环写入索引的设备")
    db.session.commit()
    assert indexer.check(app)["missing"]
    monkeypatch.setitem(app.config, "SEARCH_HOST_DRAIN_INTERVAL", 0)
    assert follow_outbox(app, threading.Event()) is None  # turned off
    monkeypatch.setitem(app.config, "SEARCH_HOST_DRAIN_INTERVAL", 0.05)
    stop = threading.Event()
    thread = follow_outbox(app, stop)
    try:
        for _ in range(400):
            if outbox(db) == 0:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    assert indexer.check(app) == CLEAN and outbox(db) == 0
