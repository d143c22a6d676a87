"""Atom feeds, read back with feedparser: offerings by the search page's parameters, a platform's
offerings, open demands by domain; public items only, newest first."""

from datetime import timedelta

import feedparser
import pytest

from marketplace.core.models import utcnow
from marketplace.extensions import db
from tests import factories


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


@pytest.fixture
def catalogue(db):
    qingdao = factories.PlatformFactory(city="青岛")
    jinan = factories.PlatformFactory(city="济南", domains=["新材料"])
    items = {
        "fermenter": factories.OfferingFactory(
            platform=qingdao, title="1000 L 机械搅拌不锈钢发酵罐", created_at=utcnow() - timedelta(days=1)
        ),
        "paused": factories.OfferingFactory(
            platform=qingdao, title="200 L 发酵罐（维修中）", status="paused"
        ),
        "press": factories.OfferingFactory(
            platform=jinan, title="等静压机", description="陶瓷粉体成型。", domains=["新材料"]
        ),
    }
    db.session.commit()
    return items


def test_the_offerings_feed_takes_the_search_pages_parameters(client, catalogue):
    feed = parse(client, "/feeds/offerings.atom?q=发酵罐&city=青岛")
    assert [e.title for e in feed.entries] == ["1000 L 机械搅拌不锈钢发酵罐"]
    entry = feed.entries[0]
    assert entry.link == f"http://localhost/offerings/{catalogue['fermenter'].id}"
    assert entry.id == f"urn:zhongshi:offering:{catalogue['fermenter'].id}"
    assert entry.author == catalogue["fermenter"].platform.name
    assert [t.term for t in entry.tags] == ["生物医药"]
    assert "发酵罐 · 青岛" in feed.feed.title
    assert parse(client, "/feeds/offerings.atom?q=发酵罐&city=济南").entries == []


def test_the_offerings_feed_without_parameters_lists_the_newest_public_offerings(client, catalogue):
    titles = [e.title for e in parse(client, "/feeds/offerings.atom").entries]
    assert titles == ["等静压机", "1000 L 机械搅拌不锈钢发酵罐"]  # newest first, the paused one left out


def test_a_platforms_feed(client, catalogue):
    platform = catalogue["press"].platform
    feed = parse(client, f"/feeds/platforms/{platform.id}/offerings.atom")
    assert [e.title for e in feed.entries] == ["等静压机"]
    draft = factories.PlatformFactory(status="draft")
    db.session.commit()
    assert client.get(f"/feeds/platforms/{draft.id}/offerings.atom").status_code == 404
    assert client.get("/feeds/platforms/99999/offerings.atom").status_code == 404


def test_the_demands_feed_by_domain(client, db):
    open_one = factories.DemandFactory(title="重组蛋白发酵放大", is_anonymous=True)
    factories.DemandFactory(title="陶瓷粉体成型", domains=["新材料"])
    factories.DemandFactory(title="草稿需求", status="draft")
    db.session.commit()
    feed = parse(client, "/feeds/demands.atom?domain=生物医药")
    assert [e.title for e in feed.entries] == ["重组蛋白发酵放大"]
    assert feed.entries[0].author == "某企业（匿名）"  # an anonymous demand stays anonymous
    assert feed.entries[0].link == f"http://localhost/demands/{open_one.id}"
    assert sorted(e.title for e in parse(client, "/feeds/demands.atom").entries) == [
        "重组蛋白发酵放大",
        "陶瓷粉体成型",
    ]
    assert client.get("/feeds/demands.atom?domain=不存在的领域").status_code == 404


def test_text_that_xml_cannot_hold_is_left_out(client, db):
    factories.OfferingFactory(title="发酵罐\x0b 特殊", description="控制字符\x01在此")
    db.session.commit()
    feed = parse(client, "/feeds/offerings.atom")
    assert feed.entries[0].title == "发酵罐 特殊"
    assert "\x01" not in feed.entries[0].summary


def test_the_search_page_links_its_feed(client, catalogue):
    page = client.get("/search?q=发酵罐&city=青岛&sort=newest").get_data(as_text=True)
    link = page.split('type="application/atom+xml"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert link.startswith("/feeds/offerings.atom?") and "sort" not in link
    assert [e.title for e in parse(client, link.replace("&amp;", "&")).entries] == [
        "1000 L 机械搅拌不锈钢发酵罐"
    ]
