"""The search page and API: hostile queries, facets, sorting, highlighting, scope permissions."""

import json
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import pytest

from marketplace.accounts.services import create_api_token
from tests import factories


@pytest.fixture
def corpus(db):
    bio = factories.PlatformFactory(city="青岛", domains=["生物医药"])
    chem = factories.PlatformFactory(city="淄博", domains=["高端化工"], level="国家级")
    factories.OfferingFactory(
        platform=bio,
        title="500 L 不锈钢发酵罐",
        price_amount=6800,
        description="316L不锈钢，适用于大肠杆菌高密度发酵，符合GMP要求。",
    )
    factories.OfferingFactory(
        platform=bio,
        title="冻干制剂工艺开发",
        kind="service",
        price_amount=None,
        price_unit=None,
        description="冻干曲线开发与发酵液处理。",
    )
    factories.OfferingFactory(
        platform=chem,
        title="碳化硅微通道连续流反应器",
        price_amount=5000,
        domains=["高端化工"],
        description="适用于硝化、氯化等危险工艺连续化。",
    )
    factories.DemandFactory(
        title="硝化工艺连续化改造", description="需要微通道连续流反应器。", domains=["高端化工"]
    )
    db.session.commit()


def hit_titles(response):
    return hit_titles_of(response.get_data(as_text=True))


def hit_titles_of(page: str) -> list[str]:
    return re.findall(r'class="hit-title"[^>]*>([^<]+)<', page)


def test_search_ranks_and_highlights(client, corpus):
    response = client.get("/search?q=发酵罐")
    assert hit_titles(response)[0] == "500 L 不锈钢发酵罐"
    assert "<mark>" in response.get_data(as_text=True)


def test_a_hit_covers_most_of_the_query_not_one_common_word(client, db):
    """Found by users: a long query was an OR of its words, so "锂电池 正极材料 中试" matched almost
    everything through "中试", and a made-up word beside "设备" still returned results."""
    platform = factories.PlatformFactory(domains=["新能源"])
    factories.OfferingFactory(
        platform=platform, title="锂电池正极材料中试线", description="正极材料烧结与中试。"
    )
    for n in range(6):
        factories.OfferingFactory(platform=platform, title=f"通用中试设备{n}", description="各类中试设备。")
    db.session.commit()
    assert hit_titles(client.get("/search?q=锂电池 正极材料 中试")) == ["锂电池正极材料中试线"]
    page = client.get("/search?q=xyzabc不存在的设备").get_data(as_text=True)
    assert hit_titles_of(page) == [] and "共 0 条结果" in page
    assert "没有任何资源包含“xyzabc”" in page
    # one word: every document holding it is a hit, ranked as before
    assert len(hit_titles(client.get("/search?q=设备"))) == 6


def test_a_word_no_document_has_suggests_a_close_one(client, corpus):
    page = client.get("/search?q=gmq").get_data(as_text=True)
    assert hit_titles_of(page) == [] and "没有任何资源包含“gmq”（您是不是要找：" in page
    suggestion = re.search(r'您是不是要找：<a href="([^"]+)">gmp</a>', page)
    assert suggestion
    assert "500 L 不锈钢发酵罐" in hit_titles(client.get(suggestion[1].replace("&amp;", "&")))


def test_hits_covering_more_of_the_query_rank_first(client, db):
    """A document naming two of three words many times scores more BM25 than one naming all three
    once in a long text; the latter covers the whole query and ranks first."""
    platform = factories.PlatformFactory(domains=["高端化工"])
    factories.OfferingFactory(platform=platform, title="微通道硝化反应器", description="微通道硝化。" * 8)
    factories.OfferingFactory(
        platform=platform, title="连续流装置", description="碳化硅材质，可做微通道硝化。" + "常规说明。" * 40
    )
    factories.OfferingFactory(
        platform=platform, title="碳化硅粉体", description="粉体。"
    )  # one word of three
    for n in range(6):
        factories.OfferingFactory(platform=platform, title=f"釜式反应器{n}", description="间歇釜。")
    db.session.commit()
    assert hit_titles(client.get("/search?q=碳化硅 微通道 硝化")) == ["连续流装置", "微通道硝化反应器"]


def test_a_compound_sharing_a_part_is_no_match_for_the_query_s_compound(client, db):
    """Found by users: "温度循环 振动 功率循环" ranked a glass-lined reactor first, through the
    "低温循环" of its description. 低温循环 and 温度循环 share a part, not their meaning."""
    platform = factories.PlatformFactory(domains=["新一代信息技术"])
    factories.OfferingFactory(
        platform=platform,
        title="1000 L 搪玻璃反应釜",
        description="配低温循环、真空与氮气保护，低温循环机组 -20 ℃，适合中间体合成放大。",
    )
    factories.OfferingFactory(
        platform=platform,
        kind="service",
        title="功率模块可靠性试验",
        description="温度循环、功率循环与随机振动试验，IGBT 与 SiC 模块。",
    )
    for n in range(6):
        factories.OfferingFactory(platform=platform, title=f"通用检测设备{n}", description="常规检测。")
    db.session.commit()
    assert hit_titles(client.get("/search?q=温度循环 振动 功率循环")) == ["功率模块可靠性试验"]


def test_a_query_of_quantities_alone_finds_them(client, corpus):
    assert hit_titles(client.get("/search?q=316L")) == ["500 L 不锈钢发酵罐"]


def test_full_width_query_matches(client, corpus):
    assert hit_titles(client.get("/search?q=５００Ｌ 发酵罐"))[0] == "500 L 不锈钢发酵罐"


def test_facets_count_and_filter(client, corpus):
    page = client.get("/search?q=发酵").get_data(as_text=True)
    assert re.search(r">生物医药</a> <span class=\"muted\">2<", page)
    filtered = client.get("/search?q=&kind=service")
    assert hit_titles(filtered) == ["冻干制剂工艺开发"]


def test_sort_by_price(client, corpus):
    assert hit_titles(client.get("/search?q=&sort=price_asc")) == [
        "碳化硅微通道连续流反应器",
        "500 L 不锈钢发酵罐",
        "冻干制剂工艺开发",
    ]
    assert hit_titles(client.get("/search?q=&sort=price_desc")) == [
        "500 L 不锈钢发酵罐",
        "碳化硅微通道连续流反应器",
        "冻干制剂工艺开发",
    ]


def test_prices_are_compared_within_their_unit(client, db):
    """Found by users: sorting by price put 元/小时 beside 元/天 as if they were the same number."""
    platform = factories.PlatformFactory()
    for title, amount, unit in [
        ("按天计费的发酵罐", 100, "day"),
        ("按小时计费的发酵罐", 500, "hour"),
        ("另一台按小时计费的发酵罐", 80, "hour"),
        ("面议的发酵罐", None, None),
    ]:
        factories.OfferingFactory(platform=platform, title=title, price_amount=amount, price_unit=unit)
    db.session.commit()
    page = client.get("/search?q=发酵罐&sort=price_asc")
    assert hit_titles(page) == [
        "另一台按小时计费的发酵罐",
        "按小时计费的发酵罐",
        "按天计费的发酵罐",
        "面议的发酵罐",
    ]
    assert "价格按计价单位分组排序：元/小时、元/天各自比较" in page.get_data(as_text=True)
    descending = hit_titles(client.get("/search?q=发酵罐&sort=price_desc"))
    assert descending == [
        "按小时计费的发酵罐",
        "另一台按小时计费的发酵罐",
        "按天计费的发酵罐",
        "面议的发酵罐",
    ]
    only_days = client.get("/search?q=发酵罐&sort=price_asc&price_unit=day")
    assert hit_titles(only_days) == ["按天计费的发酵罐"]
    assert '元/天</a> <span class="muted">1<' in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "!!!",
        "AND (",
        "*",
        "title:发酵",
        "x" * 5000,
        "发酵 OR NOT",
        '"unclosed',
        "\\",
        "%00",
        "😀🚀",
        "<script>",
        "sort=price&page=-1",
    ],
)
def test_hostile_queries_return_a_page(client, corpus, query):
    response = client.get("/search", query_string={"q": query, "page": "-5", "price_min": "abc"})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main")[1]
    # Long queries go in a POST body (a GET's request line is limited behind gunicorn).
    api = (
        client.post("/api/v1/search", json={"q": query})
        if len(query) > 200
        else client.get("/api/v1/search", query_string={"q": query})
    )
    assert api.status_code == 200 and "items" in api.json


def test_api_search_rejects_too_long_query_by_field(client, corpus):
    response = client.post("/api/v1/search", json={"q": "x" * 5001})
    assert response.status_code == 422 and "q" in response.json["errors"]["json"]
    response = client.get("/api/v1/search", query_string={"q": "x" * 201})
    assert response.status_code == 422 and "q" in response.json["errors"]["query"]


def test_demand_scope_is_for_platform_users(client, auth, db, corpus, operator_user, firm_user):
    assert "硝化工艺连续化改造" not in client.get("/search?q=硝化&scope=demand").get_data(as_text=True)
    auth.as_(firm_user)
    assert "硝化工艺连续化改造" not in client.get("/search?q=硝化&scope=demand").get_data(as_text=True)
    auth.as_(operator_user)
    assert hit_titles(client.get("/search?q=硝化&scope=demand")) == ["硝化工艺连续化改造"]
    assert client.get("/api/v1/search?q=硝化&scope=demand").status_code == 403
    _, token = create_api_token(operator_user, "t")
    db.session.commit()
    body = client.get("/api/v1/search?q=硝化&scope=demand", headers={"Authorization": f"Bearer {token}"}).json
    assert body["items"][0]["title"] == "硝化工艺连续化改造"


def test_platform_scope(client, corpus):
    assert len(hit_titles(client.get("/search?q=平台&scope=platform"))) == 2


def test_search_in_an_empty_marketplace_returns_an_empty_page(client, db):
    """A new installation (or one whose every platform awaits review) has an empty index."""
    factories.PlatformFactory(status="submitted")
    db.session.commit()
    response = client.get("/search?q=发酵罐")
    assert response.status_code == 200 and "发酵罐" in response.get_data(as_text=True)
    assert client.get("/api/v1/search?q=发酵罐").get_json()["total"] == 0


def test_demands_past_their_shandong_deadline_drop_out_of_search(client, auth, db, operator_user, freeze_now):
    freeze_now(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))  # 18:00 on 1 March in Shandong
    factories.DemandFactory(title="喷雾干燥工艺验证", deadline=date(2026, 3, 1))
    factories.DemandFactory(title="喷雾干燥设备选型", deadline=date(2026, 3, 2))
    db.session.commit()  # both indexed while open
    auth.as_(operator_user)
    assert sorted(hit_titles(client.get("/search?q=喷雾干燥&scope=demand"))) == [
        "喷雾干燥工艺验证",
        "喷雾干燥设备选型",
    ]
    freeze_now(datetime(2026, 3, 1, 17, 0, tzinfo=UTC))  # past midnight in Shandong, the index unchanged
    assert hit_titles(client.get("/search?q=喷雾干燥&scope=demand")) == ["喷雾干燥设备选型"]


def longest_search_request_line(spec: dict) -> str:
    """The longest GET /api/v1/search request line the OpenAPI document allows: every parameter at
    its longest, each character a 4-byte one (percent-encoded: 12 bytes)."""
    params = []
    for param in spec["paths"]["/api/v1/search"]["get"]["parameters"]:
        schema = param["schema"]
        if "enum" in schema:
            value = max(schema["enum"], key=lambda v: len(quote(str(v))))
        elif schema.get("type") == "integer":
            value = schema["maximum"]
        else:
            value = "𠀀" * schema["maxLength"]
        params.append(f"{param['name']}={quote(str(value))}")
    return f"GET /api/v1/search?{'&'.join(params)} HTTP/1.1"


def test_the_documented_query_limits_are_reachable_behind_gunicorn(client, corpus, process_env):
    spec = client.get("/api/v1/openapi.json").json
    line = longest_search_request_line(spec)
    assert len(line.encode()) <= 4094  # gunicorn's limit_request_line
    post = spec["paths"]["/api/v1/search"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "POST" in spec["paths"]["/api/v1/search"]["get"]["description"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "marketplace:create_app()",
    ]
    server = subprocess.Popen(command, env=process_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urlopen(f"{base}/api/v1/search", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        with urlopen(base + line.split(" ")[1], timeout=30) as response:
            assert response.status == 200
        assert "q" in spec["components"]["schemas"][post["$ref"].rsplit("/", 1)[1]]["properties"]
        body = json.dumps({"q": "发酵罐" + "的" * 4997}).encode()
        request = Request(f"{base}/api/v1/search", data=body, headers={"Content-Type": "application/json"})
        with urlopen(request, timeout=30) as response:
            assert response.status == 200 and "items" in json.loads(response.read())
        too_long = f"{base}/api/v1/search?q={quote('发酵罐' * 500)}"
        with pytest.raises(HTTPError) as refused:  # why long queries go by POST
            urlopen(too_long, timeout=30)
        assert 400 <= refused.value.code < 500
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_city_with_results_is_offered_as_a_filter(client, db):
    """Found by a first-time user: the facet list stopped at 12 cities, so 日照, 临沂, 聊城 and 滨州
    could not be chosen on the search page."""
    from marketplace import vocab

    for city in vocab.CITIES:
        factories.OfferingFactory(platform=factories.PlatformFactory(city=city), title=f"{city}冻干机")
    db.session.commit()
    page = client.get("/search?q=冻干机").get_data(as_text=True)
    facets = page.split('class="results"')[0]
    assert all(f">{city}</a>" in facets for city in vocab.CITIES)
