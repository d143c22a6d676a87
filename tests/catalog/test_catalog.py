"""Public catalogue: home counts, filters, sorting, pagination, hostile parameters, queries per page."""

import random

import pytest
from sqlalchemy import event, select

from marketplace import vocab
from marketplace.catalog import queries
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform
from tests import factories


@pytest.fixture
def catalogue(db):
    bio = factories.PlatformFactory(city="青岛", level="国家级", domains=["生物医药"], certifications=["GMP"])
    chem = factories.PlatformFactory(city="淄博", level="市级", domains=["高端化工"], certifications=["CNAS"])
    factories.OfferingFactory(platform=bio, title="500 L 发酵罐", price_amount=800, domains=["生物医药"])
    factories.OfferingFactory(
        platform=bio,
        title="无菌灌装车间",
        kind="site",
        price_amount=90000,
        price_unit="month",
        domains=["生物医药"],
    )
    factories.OfferingFactory(
        platform=chem, title="微通道反应器", price_amount=None, price_unit=None, domains=["高端化工"]
    )
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


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", {"500 L 发酵罐", "无菌灌装车间", "微通道反应器"}),
        ("?domain=高端化工", {"微通道反应器"}),
        ("?city=青岛&kind=site", {"无菌灌装车间"}),
        ("?level=国家级", {"500 L 发酵罐", "无菌灌装车间"}),
        ("?certification=CNAS", {"微通道反应器"}),
        ("?price_min=1000", {"无菌灌装车间"}),
        ("?price_max=1000", {"500 L 发酵罐"}),
    ],
)
def test_offering_filters(client, catalogue, query, expected):
    assert set(titles(client.get("/offerings" + query))) == expected


def test_sort_by_price_puts_negotiable_last(client, catalogue):
    assert titles(client.get("/offerings?sort=price_asc")) == ["500 L 发酵罐", "无菌灌装车间", "微通道反应器"]
    assert titles(client.get("/offerings?sort=price_desc")) == [
        "无菌灌装车间",
        "500 L 发酵罐",
        "微通道反应器",
    ]


def test_pagination(client, db):
    platform = factories.PlatformFactory()
    factories.OfferingFactory.create_batch(25, platform=platform)
    db.session.commit()
    first, second = client.get("/offerings"), client.get("/offerings?page=2")
    assert len(titles(first)) == 20 and len(titles(second)) == 5
    assert "第 2 / 2 页" in second.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "?page=-3",
        "?page=abc",
        "?price_min=abc&price_max=nan",
        "?price_min=1e400",
        "?domain=%3Cscript%3E",
        "?sort=drop%20table",
        "?certification=" + "x" * 5000,
        "?page=99999999999999999999",
    ],
)
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


class Statements:
    """Counts the SQL statements the app sends to the database while active."""

    def __init__(self, engine):
        self.engine, self.sql = engine, []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.sql.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def mixed_catalogue(db):
    """Platforms with several domains in every state, offerings active and paused."""
    rng = random.Random(6)
    for i in range(12):
        platform = factories.PlatformFactory(
            status=rng.choice(["approved", "approved", "draft", "suspended"]),
            domains=rng.sample(vocab.DOMAINS, rng.randint(1, 3)) + (["不在词表的领域"] if i == 3 else []),
        )
        for _ in range(rng.randint(0, 4)):
            factories.OfferingFactory(
                platform=platform,
                status=rng.choice(["active", "active", "paused"]),
                domains=rng.sample(vocab.DOMAINS, rng.randint(1, 2)),
            )
    db.session.commit()


def test_counts_by_domain_match_a_brute_force_count_in_one_statement(db, mixed_catalogue):
    platforms = db.session.scalars(select(Platform)).all()
    offerings = db.session.scalars(select(Offering)).all()
    expected = [
        (
            d,
            sum(p.is_public and d in p.domains for p in platforms),
            sum(o.is_public and d in o.domains for o in offerings),
        )
        for d in vocab.DOMAINS
    ]
    assert sum(n for _, _, n in expected) > 0 and any(n == 0 for _, n, _ in expected)
    db.session.expire_all()
    with Statements(db.engine) as statements:
        assert queries.counts_by_domain() == expected
    assert len(statements.sql) == 1


def test_home_page_queries_do_not_grow_with_the_catalogue(client, db, mixed_catalogue):
    for _ in range(6):
        factories.AnnouncementFactory()
        factories.EventFactory()
    db.session.commit()
    with Statements(db.engine) as statements:
        assert client.get("/").status_code == 200
    # the search version, the domain counts, the three totals, the latest notices and the events to come
    assert len(statements.sql) <= 7
    with Statements(db.engine) as statements:
        assert client.get("/").status_code == 200
    assert len(statements.sql) == 1  # the same version: the counts are those computed before


def test_offering_list_loads_platforms_and_labels_without_a_query_per_card(client, db):
    def statements_for_offerings_page() -> int:
        with Statements(db.engine) as statements:
            assert client.get("/offerings").status_code == 200
        return len(statements.sql)

    factories.OfferingFactory(domains=["生物医药", "食品"])
    db.session.commit()
    few = statements_for_offerings_page()
    for _ in range(6):
        factories.OfferingFactory.create_batch(
            2, platform=factories.PlatformFactory(domains=["新材料", "建材"]), domains=["新材料"]
        )
    db.session.commit()
    assert statements_for_offerings_page() == few


def test_offering_cards_show_their_own_pictures_and_their_platforms_logo(client, db):
    """The cards' pictures and labels are loaded for the whole page at once: each must land on its own
    card, although an offering and a platform share an id (attachments of both in one query)."""
    platform = factories.PlatformFactory(id=900001, name="有标志平台")
    logo = factories.AttachmentFactory(owner=platform, purpose="logo", filename="logo.png")
    pictured = factories.OfferingFactory(
        id=900001, platform=platform, title="有照片设备", domains=["生物医药"]
    )
    plain = factories.OfferingFactory(platform=platform, title="无照片设备", domains=["新材料", "食品"])
    photo = factories.AttachmentFactory(owner=pictured, purpose="photo")
    db.session.commit()
    db.session.expire_all()
    cards = {
        card.split("<h3>")[1].split("</a>")[0].rsplit(">", 1)[1]: card
        for card in client.get("/offerings")
        .get_data(as_text=True)
        .split('<article class="card offering">')[1:]
    }
    assert set(cards) == {"有照片设备", "无照片设备"}
    assert f"/attachments/{photo.id}" in cards["有照片设备"] and "card-media" not in cards["无照片设备"]
    assert all(f"/attachments/{logo.id}" in card for card in cards.values())
    assert [t for t in ("生物医药", "新材料", "食品") if t in cards["无照片设备"]] == ["新材料", "食品"]
    assert "生物医药" in cards["有照片设备"] and plain.platform == platform


@pytest.mark.parametrize("label,other", [("CMA%", "CMA"), ("ISO_9001", "ISO 9001"), ("A|B", "A")])
def test_a_certification_with_pattern_characters_matches_only_itself(client, db, label, other):
    special = factories.PlatformFactory(name="特殊资质平台", certifications=[label])
    plain = factories.PlatformFactory(name="普通资质平台", certifications=[other, "B"])
    factories.OfferingFactory(platform=special, title="特殊资质设备")
    factories.OfferingFactory(platform=plain, title="普通资质设备")
    db.session.commit()
    db.session.expire_all()
    assert special.certifications == [label]
    assert titles(client.get("/offerings", query_string={"certification": label})) == ["特殊资质设备"]
    assert titles(client.get("/offerings", query_string={"certification": other})) == ["普通资质设备"]
    page = client.get("/platforms", query_string={"certification": label}).get_data(as_text=True)
    assert "特殊资质平台" in page and "普通资质平台" not in page


def test_platform_list_filters_by_domain_among_several(client, db):
    factories.PlatformFactory(name="多领域平台", domains=["新材料", "高端化工"])
    factories.PlatformFactory(name="单领域平台", domains=["新材料"])
    db.session.commit()
    page = client.get("/platforms?domain=高端化工").get_data(as_text=True)
    assert "多领域平台" in page and "单领域平台" not in page


def test_platforms_sorted_by_level_go_from_national_to_enterprise(client, db):
    for level in ("企业自建", "市级", "国家级", "省级"):
        factories.PlatformFactory(level=level, name=f"{level}测试平台")
    db.session.commit()
    names = [p["name"] for p in client.get("/api/v1/platforms?sort=level").get_json()["items"]]
    assert names == ["国家级测试平台", "省级测试平台", "市级测试平台", "企业自建测试平台"]
    page = client.get("/platforms?sort=level").get_data(as_text=True)
    assert page.index("国家级测试平台") < page.index("省级测试平台") < page.index("企业自建测试平台")


def test_a_page_past_the_end_shows_the_last_page(client, db):
    """Found by a first-time user: /offerings?page=23 said “第 23 / 22 页” over an empty list."""
    for n in range(25):
        factories.OfferingFactory(title=f"翻页测试设备{n:02d}")
    db.session.commit()
    page = client.get("/offerings?page=99&sort=title").get_data(as_text=True)
    assert "第 2 / 2 页" in page and "翻页测试设备24" in page
    search = client.get("/search?q=翻页测试设备&page=99").get_data(as_text=True)
    assert "第 2 / 2 页" in search
    assert client.get("/api/v1/offerings?page=99").get_json()["items"] == []  # API clients stop at the end
