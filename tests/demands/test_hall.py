"""The demand hall (需求大厅): filters by domain, kind of offering needed and preferred city, full-text
search over the public summaries, orders, and links that keep them."""

from datetime import timedelta
from urllib.parse import unquote

import pytest

from marketplace.core.timeutil import local_today
from marketplace.extensions import db
from marketplace.subscriptions.services import subscriptions_of
from tests import factories


@pytest.fixture
def hall(db):
    today = local_today()
    demands = {
        "protein": factories.DemandFactory(
            title="重组蛋白发酵工艺放大", deadline=today + timedelta(days=30), budget_max=300000
        ),
        "ceramic": factories.DemandFactory(
            title="陶瓷粉体等静压成型",
            description="氧化锆粉体冷等静压成型验证，需要200 MPa设备。",
            domains=["新材料"],
            kinds=["service"],
            city_preference=["济南"],
            deadline=today + timedelta(days=10),
            budget_max=None,
        ),
        "secret": factories.DemandFactory(
            title="锂电池正极材料烧结",
            description="高镍正极烧结工艺验证。",
            domains=["新能源"],
            is_anonymous=True,
            organization=factories.OrganizationFactory(name="烟台隐秘电池有限公司"),
            budget_max=800000,
        ),
    }
    factories.DemandFactory(title="发酵工艺草稿", status="draft")
    db.session.commit()
    return demands


def titles(client, url):
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return [
        t
        for t in ("重组蛋白发酵工艺放大", "陶瓷粉体等静压成型", "锂电池正极材料烧结", "发酵工艺草稿")
        if t in html
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("domain=新材料", ["陶瓷粉体等静压成型"]),
        ("kind=service", ["陶瓷粉体等静压成型"]),
        ("city=济南", ["陶瓷粉体等静压成型"]),
        ("domain=生物医药&kind=service", []),
        ("domain=不存在", []),
        ("q=发酵", ["重组蛋白发酵工艺放大"]),
        ("q=等静压&domain=新材料", ["陶瓷粉体等静压成型"]),
        ("q=等静压&domain=生物医药", []),
        ("q=xyzabc不存在的设备", []),
    ],
)
def test_the_hall_filters_and_searches(client, hall, query, expected):
    assert titles(client, f"/demands?{query}") == expected


def test_an_anonymous_demand_is_not_found_by_its_firms_name(client, hall):
    assert titles(client, "/demands?q=烟台隐秘电池") == []
    assert "烟台隐秘电池" not in client.get("/demands?q=正极").get_data(as_text=True)


def test_orders(client, hall):
    page = client.get("/demands?sort=deadline").get_data(as_text=True)
    assert page.index("陶瓷粉体等静压成型") < page.index("重组蛋白发酵工艺放大")
    page = client.get("/demands?sort=budget").get_data(as_text=True)
    assert (
        page.index("锂电池正极材料烧结")
        < page.index("重组蛋白发酵工艺放大")
        < page.index("陶瓷粉体等静压成型")
    )
    assert titles(client, "/demands?sort=nonsense") == [
        "重组蛋白发酵工艺放大",
        "陶瓷粉体等静压成型",
        "锂电池正极材料烧结",
    ]


def test_the_pager_keeps_the_filters(app, client, hall, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    factories.DemandFactory(title="另一个生物医药需求")
    db.session.commit()
    page = client.get("/demands?domain=生物医药&sort=deadline").get_data(as_text=True)
    assert "第 1 / 2 页" in page
    assert (
        "page=2" in page and "domain=%E7%94%9F%E7%89%A9%E5%8C%BB%E8%8D%AF" in page.split('class="pager"')[1]
    )


def test_an_operator_saves_the_halls_search_and_comes_back(client, auth, operator_user, hall):
    auth.as_(operator_user)
    page = client.get("/demands?q=等静压&domain=新材料").get_data(as_text=True)
    assert "保存为订阅，有新需求时提醒我" in page and "/feeds/demands.atom?domain=" in page
    response = client.post(
        "/subscriptions/search",
        data={
            "scope": "demand",
            "q": "等静压",
            "domain": "新材料",
            "next": "/demands?q=等静压&domain=新材料",
        },
    )
    assert unquote(response.location) == "/demands?q=等静压&domain=新材料"

    [saved] = subscriptions_of(operator_user)
    assert saved.query == {"q": "等静压", "domain": "新材料", "scope": "demand"}


def test_firms_see_no_save_button_for_demands(client, auth, firm_user, hall):
    auth.as_(firm_user)
    assert "保存为订阅" not in client.get("/demands?domain=新材料").get_data(as_text=True)
