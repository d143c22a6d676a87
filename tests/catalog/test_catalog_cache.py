"""The public pages at province scale: their counts and page ids are kept per process at the search
version, so a view runs a few statements whatever the catalogue's size, and a committed change shows
on the very next view (of the user who made it, and everyone else)."""

from __future__ import annotations

import re

from .. import factories
from . import test_catalog
from .test_catalog import Statements, titles


def statements_for(client, db, url: str) -> int:
    with Statements(db.engine) as statements:
        assert client.get(url).status_code == 200
    return len(statements.sql)


def test_a_change_shows_on_the_next_view_of_the_home_page_the_lists_and_the_platform(
    client, db, auth, operator_user
):
    platform = factories.PlatformFactory(organization=operator_user.organization, name="缓存测试平台")
    first, second, third = factories.OfferingFactory.create_batch(3, platform=platform)
    db.session.commit()
    platform_url = f"/platforms/{platform.id}"

    def seen():
        home = client.get("/").get_data(as_text=True)
        listed = client.get(platform_url).get_data(as_text=True)
        return (
            re.search(r"<b>(\d+)</b><span>开放资源与服务", home).group(1),
            titles(client.get("/offerings")),
            re.search(r"开放资源与服务（(\d+)）", listed).group(1),
        )

    for _ in range(2):  # computed, then read from the cache
        assert seen() == ("3", [third.title, second.title, first.title], "3")

    auth.as_(operator_user)
    assert client.post(f"/my/offerings/{second.id}/pause").status_code == 302
    assert seen() == ("2", [third.title, first.title], "2")

    # a label changed elsewhere (another process, a command): the next view of its filter shows it
    assert titles(client.get("/offerings?domain=新材料")) == []
    first.domains = ["新材料"]
    db.session.commit()
    assert titles(client.get("/offerings?domain=新材料")) == [first.title]
    assert "共 1 项" in client.get("/offerings?domain=新材料").get_data(as_text=True)

    platform.status = "suspended"
    db.session.commit()
    assert "共 0 项" in client.get("/offerings").get_data(as_text=True)
    assert "<b>0</b><span>已认定平台" in client.get("/").get_data(as_text=True)
    assert "缓存测试平台" not in client.get("/platforms").get_data(as_text=True)


def test_a_second_view_of_a_list_costs_the_same_few_statements_whatever_its_size(client, db):
    factories.OfferingFactory.create_batch(3)
    factories.DemandFactory.create_batch(3)
    db.session.commit()
    urls = ["/", "/offerings", "/offerings?sort=price_desc&domain=生物医药", "/platforms", "/demands"]
    few = {}
    for url in urls:
        statements_for(client, db, url)
        few[url] = statements_for(client, db, url)
    assert few["/"] == 1  # the search version; the counts are those computed before

    for _ in range(10):
        factories.OfferingFactory.create_batch(3, platform=factories.PlatformFactory())
        factories.DemandFactory.create_batch(3, organization=factories.OrganizationFactory())
    db.session.commit()
    for url in urls:
        statements_for(client, db, url)
        assert statements_for(client, db, url) == few[url], url


def test_platform_and_demand_lists_load_organisations_per_page_not_per_card(client, db):
    """Found at 50,000 offerings: /platforms and /demands ran one query per card for its organisation."""
    factories.PlatformFactory()
    factories.DemandFactory()
    db.session.commit()
    few = {url: statements_for(client, db, url) for url in ("/platforms", "/demands")}
    factories.PlatformFactory.create_batch(12)
    factories.DemandFactory.create_batch(12)
    db.session.commit()
    assert {url: statements_for(client, db, url) for url in ("/platforms", "/demands")} == few


def test_the_demand_hall_drops_a_demand_on_the_day_after_its_deadline(client, db, freeze_now):
    from datetime import UTC, datetime

    freeze_now(datetime(2026, 5, 10, 4, tzinfo=UTC))  # noon in Shandong
    factories.DemandFactory(title="今天截止的需求", deadline=datetime(2026, 5, 10).date())
    db.session.commit()
    for _ in range(2):
        page = client.get("/demands").get_data(as_text=True)
        assert "今天截止的需求" in page and "共 1 条" in page
    freeze_now(datetime(2026, 5, 10, 16, 30, tzinfo=UTC))  # half past midnight, 11 May
    page = client.get("/demands").get_data(as_text=True)
    assert "今天截止的需求" not in page and "共 0 条" in page
    assert client.get("/api/v1/demands").get_json()["total"] == 0


def test_pages_of_every_sort_list_each_public_offering_once_in_order(client, db):
    prices = [500.0, None, 120.0, 120.0, 9000.0, None, 42.0]
    for n, price in enumerate(prices):
        factories.OfferingFactory(title=f"排序测试{n}", price_amount=price)
    db.session.commit()
    for sort in test_catalog.queries.OFFERING_SORTS:
        api = client.get(f"/api/v1/offerings?sort={sort}&per_page=100").get_json()["items"]
        paged = [
            o["title"]
            for p in (1, 2, 3)
            for o in client.get(f"/api/v1/offerings?sort={sort}&per_page=3&page={p}").get_json()["items"]
        ]
        assert paged == [o["title"] for o in api] and len(set(paged)) == len(prices)
        assert titles(client.get(f"/offerings?sort={sort}")) == paged


def test_the_navigation_counts_unread_messages_only_for_those_it_links_them_to(client, db, auth, admin_user):
    auth.as_(admin_user)
    with Statements(db.engine) as statements:
        assert client.get("/").status_code == 200
    assert not [sql for sql in statements.sql if "FROM messages" in sql]
