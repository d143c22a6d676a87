"""Public catalogue: home counts, filters, sorting, pagination, hostile parameters."""

import pytest

from tests import factories


@pytest.fixture
def catalogue(db):
    bio = factories.PlatformFactory(city="青岛", level="国家级", domains=["生物医药"], certifications=["GMP"])
    chem = factories.PlatformFactory(city="淄博", level="市级", domains=["高端化工"], certifications=["CNAS"])
    factories.OfferingFactory(platform=bio, title="500 L 发酵罐", price_amount=800, domains=["生物医药"])
    factories.OfferingFactory(platform=bio, title="无菌灌装车间", kind="site", price_amount=90000, price_unit="month",
                              domains=["生物医药"])
    factories.OfferingFactory(platform=chem, title="微通道反应器", price_amount=None, price_unit=None, domains=["高端化工"])
    factories.OfferingFactory(platform=factories.PlatformFactory(status="draft"), title="草稿平台的设备")
    db.session.commit()
    return bio, chem


def titles(response):
    import re

    return re.findall(r'<h3><a href="/offerings/\d+">([^<]+)</a>', response.get_data(as_text=True))


def test_home_explains_and_counts_by_domain(client, catalogue):
    page = client.get("/").get_data(as_text=True)
    assert "找中试平台" in page and "生物医药" in page
    assert "<b>2</b> 个平台" not in page  # counts per domain, not totals
    assert "<b>1</b> 个平台 · <b>2</b> 项资源" in page


@pytest.mark.parametrize("query,expected", [
    ("", {"500 L 发酵罐", "无菌灌装车间", "微通道反应器"}),
    ("?domain=高端化工", {"微通道反应器"}),
    ("?city=青岛&kind=site", {"无菌灌装车间"}),
    ("?level=国家级", {"500 L 发酵罐", "无菌灌装车间"}),
    ("?certification=CNAS", {"微通道反应器"}),
    ("?price_min=1000", {"无菌灌装车间"}),
    ("?price_max=1000", {"500 L 发酵罐"}),
])
def test_offering_filters(client, catalogue, query, expected):
    assert set(titles(client.get("/offerings" + query))) == expected


def test_sort_by_price_puts_negotiable_last(client, catalogue):
    assert titles(client.get("/offerings?sort=price_asc")) == ["500 L 发酵罐", "无菌灌装车间", "微通道反应器"]
    assert titles(client.get("/offerings?sort=price_desc")) == ["无菌灌装车间", "500 L 发酵罐", "微通道反应器"]


def test_pagination(client, db):
    platform = factories.PlatformFactory()
    factories.OfferingFactory.create_batch(25, platform=platform)
    db.session.commit()
    first, second = client.get("/offerings"), client.get("/offerings?page=2")
    assert len(titles(first)) == 20 and len(titles(second)) == 5
    assert "第 2 / 2 页" in second.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "?page=-3", "?page=abc", "?price_min=abc&price_max=nan", "?price_min=1e400", "?domain=%3Cscript%3E",
    "?sort=drop%20table", "?certification=" + "x" * 5000, "?city=%00",
])
def test_hostile_parameters_still_render(client, catalogue, query):
    response = client.get("/offerings" + query)
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main")[1]


def test_platform_list_filters_and_detail(client, catalogue):
    bio, chem = catalogue
    page = client.get("/platforms?city=淄博").get_data(as_text=True)
    assert chem.name in page and bio.name not in page
    detail = client.get(f"/platforms/{bio.id}").get_data(as_text=True)
    assert "500 L 发酵罐" in detail and "微通道反应器" not in detail


def test_unknown_ids_are_404(client, db):
    assert client.get("/offerings/424242").status_code == 404
    assert client.get("/platforms/424242").status_code == 404
    assert "页面不存在" in client.get("/nope").get_data(as_text=True)
