"""Public pages rendered for anonymous visitors are kept per process at the public content's version
(`core.cache.visitor_page`, `matching.outbox.public_page`): served again without touching the data
until a committed change of a public row, a new day, or a visitor's own pending message."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import render_template_string
from sqlalchemy import update

from marketplace.accounts.models import Organization
from marketplace.core import cache
from marketplace.matching.models import SearchOutbox
from marketplace.matching.outbox import public_page
from tests import factories
from tests.catalog.test_catalog import Statements

HEADER = cache.CACHE_HEADER


@pytest.fixture
def offering(db):
    offering = factories.OfferingFactory(title="连续流微反应中试装置")
    db.session.commit()
    return offering


def test_a_visitor_gets_the_page_kept_for_the_last_one_without_reading_the_catalogue(client, db, offering):
    first = client.get("/offerings")
    assert first.headers[HEADER] == "miss" and "连续流微反应中试装置" in first.text
    with Statements(db.engine) as statements:
        again = client.get("/offerings")
    assert again.headers[HEADER] == "hit" and again.data == first.data
    assert len(statements.sql) == 1  # the version


@pytest.mark.parametrize("path", ["/", "/offerings", "/platforms", "/demands", "/search?q=反应", "/cases/"])
def test_every_public_list_is_kept(client, db, offering, path):
    client.get(path)
    assert client.get(path).headers.get(HEADER) == "hit"


def test_a_committed_change_shows_at_once(client, db, offering):
    client.get(f"/offerings/{offering.id}")
    offering.title = "改名后的微反应装置"
    db.session.commit()
    page = client.get(f"/offerings/{offering.id}")
    assert page.headers[HEADER] == "miss" and "改名后的微反应装置" in page.text


def test_a_change_the_index_does_not_hold_shows_at_once_too(client, db, offering):
    """A new photo is no searchable change, but the list's cards show it."""
    client.get("/offerings")
    photo = factories.AttachmentFactory(owner=offering)
    db.session.commit()
    page = client.get("/offerings")
    assert page.headers[HEADER] == "miss" and f"/attachments/{photo.id}" in page.text


def test_private_changes_keep_the_pages(client, db, offering, firm_user):
    client.get("/offerings")
    factories.NotificationFactory(user_id=firm_user.id)
    factories.LoginThrottleFactory()
    db.session.commit()
    assert client.get("/offerings").headers[HEADER] == "hit"


def test_signed_in_users_get_pages_rendered_for_them(client, db, auth, offering, firm_user):
    client.get("/offerings")
    auth.as_(firm_user)
    page = client.get("/offerings")
    assert HEADER not in page.headers and firm_user.name in page.text


def test_a_pending_message_is_shown_and_its_page_not_kept(app, client, db, offering):
    client.get("/offerings")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "已退出登录。")]
    page = client.get("/offerings")
    assert HEADER not in page.headers and "已退出登录。" in page.text
    assert "已退出登录。" not in client.get("/offerings").text


def test_a_new_day_renders_the_page_again(client, db, offering, freeze_now):
    freeze_now(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))  # 23:30 in Jinan
    client.get("/demands")
    freeze_now(datetime(2026, 3, 2, 15, 59, tzinfo=UTC))
    assert client.get("/demands").headers[HEADER] == "hit"
    freeze_now(datetime(2026, 3, 2, 16, 1, tzinfo=UTC))  # 00:01: a new day
    assert client.get("/demands").headers[HEADER] == "miss"


def test_a_search_on_an_index_catching_up_is_not_kept(app, client, db, offering):
    client.get("/search?q=反应")
    # another host's commit: an outbox row this host has not applied yet, and a new version
    db.session.add(SearchOutbox(doc_type="offering", doc_id=offering.id))
    db.session.execute(update(Organization).values(name="另一家单位"))
    db.session.commit()
    assert HEADER not in client.get("/search?q=反应").headers  # drained while answering: not kept
    assert client.get("/search?q=反应").headers[HEADER] == "miss"


@pytest.mark.parametrize(
    "view",
    [
        lambda: render_template_string("<form>{{ csrf_token() }}</form>"),  # this visitor's session's token
        lambda: ("出错", 500),
    ],
)
def test_pages_with_a_form_for_the_visitors_session_or_failures_are_not_kept(app, db, view):
    kept = public_page(view)
    for _ in range(2):
        with app.test_request_context("/_test"):
            response = app.make_response(kept())
    assert HEADER not in response.headers


def test_it_can_be_turned_off(app, client, db, offering, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_MB", 0)
    client.get("/offerings")
    assert HEADER not in client.get("/offerings").headers


def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used():
    kept = cache.PageCache(max_bytes=10)
    kept.put(1, "a", cache.CachedPage(b"12345", "text/html"))
    kept.put(1, "b", cache.CachedPage(b"12345", "text/html"))
    assert kept.find(1, "a") is not None  # a is now the most recently used
    kept.put(1, "c", cache.CachedPage(b"12345", "text/html"))
    assert kept.find(1, "b") is None and kept.find(1, "a") and kept.find(1, "c")
    assert kept.find(2, "a") is None  # another version


def test_the_workers_of_a_host_share_the_pages_they_keep(tmp_path):
    """Another process (another PageCache on the same folder) finds the page a first one kept."""
    first, second = cache.PageCache(1 << 20, tmp_path), cache.PageCache(1 << 20, tmp_path)
    first.put((7, "day"), "/offerings", cache.CachedPage(b"<html>kept</html>", "text/html"))
    found = second.find((7, "day"), "/offerings")
    assert found == cache.CachedPage(b"<html>kept</html>", "text/html")
    assert second.find((8, "day"), "/offerings") is None


def test_a_new_version_removes_the_files_of_versions_older_than_a_minute(tmp_path):
    kept = cache.PageCache(1 << 20, tmp_path)
    kept.put(1, "/", cache.CachedPage(b"old", "text/html"))
    (old,) = tmp_path.iterdir()
    os.utime(old, (time.time() - 120, time.time() - 120))
    kept.put(2, "/", cache.CachedPage(b"new", "text/html"))
    assert not old.exists() and len(list(tmp_path.iterdir())) == 1


def test_a_server_starting_forgets_the_kept_pages(tmp_path, monkeypatch):
    from marketplace import gunicorn_conf

    folder = tmp_path / "page-cache"
    monkeypatch.setenv("MARKETPLACE_PAGE_CACHE_DIR", str(folder))
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))
    cache.PageCache(1 << 20, folder).put(1, "/", cache.CachedPage(b"x", "text/html"))
    gunicorn_conf.on_starting(None)
    assert not folder.exists()


def test_pages_kept_by_other_code_are_never_served(app, client, db, offering, monkeypatch):
    """Workers of new code started without a new server (gunicorn's HUP reload, `flask run` after an
    upgrade) found the files the old code's workers kept: pages of the old templates."""
    assert client.get("/offerings").headers[HEADER] == "miss"
    assert client.get("/offerings").headers[HEADER] == "hit"
    app.extensions.pop("pages")  # another process: the files only
    monkeypatch.setattr(cache, "code_version", lambda: "upgraded")
    assert client.get("/offerings").headers[HEADER] == "miss"


def test_the_code_version_changes_with_a_template(app, tmp_path, monkeypatch):
    with app.app_context():
        before = cache.code_version.__wrapped__()
        template = Path(app.template_folder) / "base.html"
        stat = template.stat()
        try:
            os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
            assert cache.code_version.__wrapped__() != before
        finally:
            os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert cache.code_version.__wrapped__() == before


def test_make_runs_bootstrap_forgets_the_kept_pages(app, db, runner, offering, monkeypatch):
    """`flask bootstrap` (make run) starts a server that may run changed templates."""
    monkeypatch.setattr("marketplace.cli.ensure_secret_key", lambda path: False)
    folder = Path(app.config["PAGE_CACHE_DIR"])
    cache.PageCache(1 << 20, folder).put(1, "/", cache.CachedPage(b"x", "text/html"))
    result = runner.invoke(args=["bootstrap"])
    assert result.exit_code == 0, result.output
    assert not folder.exists()


def test_nothing_is_kept_in_debug_mode(app, client, db, offering, monkeypatch):
    monkeypatch.setattr(app, "debug", True)
    client.get("/offerings")
    assert HEADER not in client.get("/offerings").headers
