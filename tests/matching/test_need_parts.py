import pytest

from marketplace.accounts.services import create_api_token
from marketplace.matching import services
from tests import factories


def test_the_main_request_ranks_before_a_side_request(db):
    """Found by users: a need for SiC-module reliability tests with a side request for EMC pre-tests got
    five EMC offerings first and the main request at #7."""
    emc = factories.PlatformFactory(domains=["新一代信息技术"])
    for n in range(5):
        factories.OfferingFactory(
            platform=emc,
            kind="service",
            title=f"电磁兼容（EMC）预测试与整改{n}",
            description="提供辐射发射、传导发射与抗扰度预测试，暗室测试并给出整改建议。",
        )
    power = factories.PlatformFactory(domains=["新一代信息技术"])
    reliability = factories.OfferingFactory(
        platform=power,
        kind="service",
        title="功率模块可靠性试验",
        description="IGBT 与 SiC 功率模块的高温反偏、温度循环与功率循环试验。",
    )
    for n in range(4):
        factories.OfferingFactory(platform=power, title=f"锂电池化成设备{n}", description="电池化成与分容。")
    demand = factories.DemandFactory(
        title="车规级新产品中试验证",
        description="自主设计的 SiC 功率模块需要做可靠性试验：高温反偏、温度循环和功率循环。"
        "另外整机也想顺便做 EMC 电磁兼容预测试：辐射发射预测试、传导发射预测试、抗扰度预测试，"
        "最好能在暗室测试并给出整改建议，EMC 预测试报告用于内部评审。",
        domains=["新一代信息技术"],
        kinds=["service"],
    )
    db.session.commit()
    matches = services.match_demand(demand)
    assert matches[0].obj_id == reliability.id


def _kilns_and_services(db):
    """Five platforms list the same kiln (sizes differ); two others offer the need's other parts."""
    kilns = []
    for n, size in enumerate((10, 20, 10, 30, 15)):
        platform = factories.PlatformFactory(domains=["新能源"], name=f"正极材料平台{n}")
        kilns.append(
            factories.OfferingFactory(
                platform=platform,
                title=f"{size} m 辊道窑（正极材料烧结）",
                description="三元正极材料与磷酸铁锂的连续烧结，氧气气氛，烧结温度可达 1000 ℃。",
            )
        )
    services_platform = factories.PlatformFactory(domains=["新能源"], name="电池中试平台")
    precipitation = factories.OfferingFactory(
        platform=services_platform,
        kind="service",
        title="三元前驱体共沉淀中试",
        description="NCM 三元前驱体共沉淀合成放大，控制粒径与振实密度。",
    )
    cells = factories.OfferingFactory(
        platform=services_platform,
        kind="service",
        title="扣式与软包电池制作及电化学测试",
        description="正极材料的扣式电池与软包电池制作，循环与倍率测试。",
    )
    firm = factories.UserFactory(role="firm")
    demand = factories.DemandFactory(
        organization=firm.organization,
        title="高镍三元正极材料中试",
        description="高镍三元正极材料需要中试：前驱体共沉淀、辊道窑烧结，并做扣式电池和软包电池电化学测试。",
        domains=["新能源"],
        kinds=["equipment", "service"],
    )
    db.session.commit()
    return demand, kilns, precipitation, cells, firm


def test_near_identical_offerings_of_several_platforms_make_one_entry(db):
    """Found by users: a need for cathode materials got five copies of one kiln from five platforms,
    burying the co-precipitation and cell-test services."""
    demand, kilns, precipitation, cells, _ = _kilns_and_services(db)
    matches = services.match_demand(demand, limit=3)
    assert {m.obj_id for m in matches} >= {precipitation.id, cells.id}
    (kiln,) = [m for m in matches if m.obj_id in {k.id for k in kilns}]
    assert sorted(a.obj_id for a in kiln.alike) == sorted(k.id for k in kilns if k.id != kiln.obj_id)
    assert kiln.alike_platforms == 4
    assert [a.score for a in kiln.alike] == sorted((a.score for a in kiln.alike), reverse=True)
    assert all(a.score <= kiln.score for a in kiln.alike)


def test_one_platform_s_offerings_of_several_sizes_stay_apart(db):
    platform = factories.PlatformFactory(domains=["新能源"])
    small, large = (
        factories.OfferingFactory(platform=platform, title=f"{size} m 辊道窑", description="正极材料烧结。")
        for size in (10, 30)
    )
    demand = factories.DemandFactory(title="正极材料辊道窑烧结", description="需要辊道窑烧结正极材料。")
    db.session.commit()
    matches = services.match_demand(demand)
    assert {m.obj_id for m in matches} == {small.id, large.id}
    assert all(m.alike == [] for m in matches)


def test_the_demand_page_and_the_api_show_the_grouped_platforms(client, auth, db):
    demand, kilns, _, _, firm = _kilns_and_services(db)
    auth.as_(firm)
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert page.count("辊道窑（正极材料烧结）") == 5  # one entry and, folded under it, the other four
    assert "另有 4 家平台提供同类设备" in page
    token = create_api_token(firm, "t")[1]
    db.session.commit()
    rows = client.get(
        f"/api/v1/demands/{demand.ref}/matches", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    (kiln,) = [row for row in rows if row["alike"]]
    assert len(kiln["alike"]) == 4 and {a["platform"] for a in kiln["alike"]} == {
        f"正极材料平台{n}" for n in range(5)
    } - {next(k.platform.name for k in kilns if k.id == kiln["offering_id"])}


@pytest.mark.parametrize(
    "first,second,alike",
    [
        ("200 L 不锈钢机械搅拌发酵罐", "1000 L 机械搅拌不锈钢发酵罐", True),  # sizes and word order aside
        ("800 t 卧式铝型材挤压机", "1250 t 卧式铝型材挤压机", True),
        # found by trying it: each of these was grouped as "the same" and hidden under the other
        ("锂离子电池正极材料中试线", "锂离子电池负极材料中试线", False),
        ("锂离子电池正极材料中试线", "钠离子电池正极材料中试线", False),
        ("冷等静压机（大型）", "热等静压机（大型）", False),
        ("4G 通信模组测试", "5G 通信模组测试", False),
        ("3D 打印服务", "4D 打印服务", False),
        ("10 万级洁净车间", "100 级洁净车间", False),
        ("304 不锈钢反应釜", "316L 不锈钢反应釜", False),
        ("AAV 病毒载体生产", "LV 病毒载体生产", False),
        ("高温合金熔炼炉", "钛合金熔炼炉", False),
    ],
)
def test_offerings_are_alike_only_when_their_titles_differ_in_sizes_alone(first, second, alike):
    assert (services.likeness(first) == services.likeness(second)) is alike


def test_a_folded_offering_keeps_its_judgement_in_view(client, auth, db):
    """Found by trying it: the firm's 有用 on an offering vanished from its page once the offering was
    folded under a copy of another platform."""
    from marketplace.demands import services as demand_services

    demand, kilns, _, _, firm = _kilns_and_services(db)
    kiln = next(m for m in services.match_demand(demand, limit=3) if m.alike)
    under = kiln.alike[0]
    demand_services.judge_match(firm, demand, under.obj_id, useful=True, reason="正是需要的")
    db.session.commit()
    auth.as_(firm)
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    folded_list = page[page.index('<details class="alike" open>') : page.index("</details>")]
    assert f'id="match-{under.obj_id}"' in folded_list and "您的评价：有用（正是需要的）" in folded_list
    # kept with the place of the entry it is folded under and its own score (found by trying it: none)
    (feedback,) = demand_services.judgements_on(demand).values()
    place = [m.obj_id for m in services.match_demand(demand)].index(kiln.obj_id) + 1
    assert (feedback.position, feedback.score) == (place, under.score)


def test_a_long_fold_lists_the_first_alike_and_links_to_all_of_them(client, auth, db, monkeypatch):
    """Found at province scale: a need whose twenty matches each had many copies on other platforms made
    a 100 KB page of a hundred judgement forms. The fold lists the first few and links to a search for
    all of them (the match itself too, as the search lists it); the count still names every platform."""
    from marketplace.demands import views

    monkeypatch.setattr(views, "ALIKE_SHOWN", 2)
    demand, _kilns, _, _, firm = _kilns_and_services(db)
    kiln = next(m for m in services.match_demand(demand, limit=3) if m.alike)
    first, second, *_, last = kiln.alike
    auth.as_(firm)
    folded = _fold(client.get(f"/demands/{demand.id}").get_data(as_text=True))
    assert "另有 4 家平台提供同类设备" in folded and folded.count('class="feedback"') == 2
    assert f'id="match-{first.obj_id}"' in folded and f'id="match-{last.obj_id}"' not in folded
    assert f"查看全部 {len(kiln.alike) + 1} 项同类资源" in folded and "/search?q=" in folded
    found = client.get(f"/search?q={kiln.title}").get_data(as_text=True)
    assert f"共 {len(kiln.alike) + 1} 条" in found


def test_judging_the_listed_alike_brings_the_next_into_view_and_moves_none(client, auth, db, monkeypatch):
    """Found by a first user: judged entries were listed first, so judging the fifth made it jump to the
    top, and once the five listed were judged the others could never be reached to be judged."""
    from marketplace.demands import services as demand_services
    from marketplace.demands import views

    monkeypatch.setattr(views, "ALIKE_SHOWN", 2)
    demand, _kilns, _, _, firm = _kilns_and_services(db)
    kiln = next(m for m in services.match_demand(demand, limit=3) if m.alike)
    first, second, third, *_ = kiln.alike
    for entry in (second, first):
        demand_services.judge_match(firm, demand, entry.obj_id, useful=False, reason="太远")
        db.session.commit()
    auth.as_(firm)
    folded = _fold(client.get(f"/demands/{demand.id}").get_data(as_text=True))
    places = [folded.find(f'id="match-{a.obj_id}"') for a in (first, second, third)]
    assert -1 not in places and places == sorted(places)  # best first, judged or not
    # the two judged and the next two: the whole fold of four, so no link to the rest
    assert len(kiln.alike) == 4 and folded.count('class="feedback"') == 4 and "查看全部" not in folded
    assert folded.count("您的评价：不相关（太远）") == 2


def test_a_folded_offering_can_be_inquired_about_and_booked_from_the_fold(client, auth, db):
    """Found by a first user: the offerings folded under another platform's copy had no 发送咨询 and no
    预约, so comparing the platforms meant opening each offering's page first."""
    from flask import url_for

    demand, _kilns, _, _, firm = _kilns_and_services(db)
    kiln = next(m for m in services.match_demand(demand, limit=3) if m.alike)
    auth.as_(firm)
    folded = _fold(client.get(f"/demands/{demand.id}").get_data(as_text=True))
    with client.application.test_request_context():
        for alike in kiln.alike:  # all bookable kilns (the factory's default)
            inquire = url_for("inquiries.new", offering=alike.obj_id, demand=demand.id)
            book = url_for("bookings.request_form", offering_id=alike.obj_id, demand=demand.id)
            assert f'href="{inquire.replace("&", "&amp;")}">发送咨询' in folded
            assert f'href="{book}">预约' in folded


def _fold(page: str) -> str:
    start = page.index('<details class="alike')
    return page[start : page.index("</details>", start)]
