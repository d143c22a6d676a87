"""Offerings: the four kinds, validation, permissions, pausing and their attachments' visibility."""

import pytest
from sqlalchemy import select

from marketplace.core.errors import Forbidden
from marketplace.matching import services as matching
from marketplace.offerings import services
from marketplace.offerings.models import OFFERING_WORKFLOW, Offering
from tests import factories
from tests.html import field_errors

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


def offering_form(**overrides):
    data = {
        "kind": "equipment",
        "title": "1000 L 搪玻璃反应釜",
        "description": "防爆区安装",
        "domains": ["高端化工"],
        "specs": "容积: 1000 L\n设计压力：0.4 MPa",
        "price_amount": "3500",
        "price_unit": "day",
        "lead_time_days": "7",
        "model": "K-1000",
        "capacity": "1000 L",
        "quantity": "2",
    }
    data.update(overrides)
    return data


@pytest.fixture
def platform(db, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization, domains=["高端化工"])
    db.session.commit()
    return platform


@pytest.mark.parametrize(
    "kind,extra,check",
    [
        ("equipment", {}, lambda o: o.quantity == 2 and o.model == "K-1000"),
        (
            "site",
            {"area_m2": "800", "cleanroom_class": "D级", "is_explosion_proof": "y"},
            lambda o: o.area_m2 == 800 and o.is_explosion_proof and o.model is None,
        ),
        (
            "service",
            {"service_type": "检测验证", "price_amount": "", "price_unit": ""},
            lambda o: o.service_type == "检测验证" and o.price_amount is None,
        ),
        (
            "process",
            {"scale": "千吨级", "output": "1000 t/a"},
            lambda o: o.scale == "千吨级" and o.capacity is None,
        ),
    ],
)
def test_operator_publishes_each_kind(client, auth, db, operator_user, platform, kind, extra, check):
    auth.as_(operator_user)
    response = client.post(
        f"/my/platforms/{platform.id}/offerings/new", data=offering_form(kind=kind, **extra)
    )
    assert response.status_code == 302
    offering = db.session.scalar(select(Offering))
    assert offering.kind == kind and offering.specs == {"容积": "1000 L", "设计压力": "0.4 MPa"}
    assert check(offering)
    assert client.get(f"/offerings/{offering.id}").status_code == 200


def test_negotiable_price_shows_mianyi(client, auth, db, operator_user, platform):
    auth.as_(operator_user)
    client.post(
        f"/my/platforms/{platform.id}/offerings/new", data=offering_form(price_amount="", price_unit="")
    )
    offering = db.session.scalar(select(Offering))
    assert offering.price_amount is None
    assert "面议" in client.get(f"/offerings/{offering.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"title": ""}, "此项为必填项"),
        ({"price_amount": "-5"}, "价格不能为负数"),
        ({"price_amount": "abc"}, "不是有效的小数"),
        ({"domains": []}, "请至少选择一个领域"),
        ({"quantity": "0"}, "数量至少为 1"),
        ({"title": "x" * 300}, "不能超过 200 个字符"),
    ],
)
def test_bad_offering_input_rerenders_with_message(
    client, auth, db, operator_user, platform, overrides, message
):
    auth.as_(operator_user)
    response = client.post(f"/my/platforms/{platform.id}/offerings/new", data=offering_form(**overrides))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(Offering.id)) is None


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"price_amount": "1e400"}, "价格应在 0 到 100 亿元之间"),
        ({"price_amount": "1e308"}, "价格应在 0 到 100 亿元之间"),
        ({"price_amount": "Infinity"}, "价格应为 0 到 100 亿元之间的有效数字"),
        ({"price_amount": "nan"}, "价格应为 0 到 100 亿元之间的有效数字"),
        ({"quantity": str(10**30)}, "数量应在 1 到 10000 台/套之间"),
        ({"kind": "site", "area_m2": "1e400"}, "面积应在 0.1 到 1000 万 ㎡之间"),
        ({"lead_time_days": "99999999999999999999"}, "交付周期应在 0 到 3650 天之间"),
    ],
)
def test_absurd_numbers_are_refused_with_a_message_naming_the_field(
    client, auth, db, operator_user, platform, overrides, message
):
    auth.as_(operator_user)
    response = client.post(f"/my/platforms/{platform.id}/offerings/new", data=offering_form(**overrides))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(Offering.id)) is None


@pytest.mark.parametrize(
    "field,value",
    [
        ("price_amount", float("inf")),
        ("price_amount", 1e308),
        ("price_amount", float("nan")),
        ("quantity", 10**30),
        ("area_m2", float("inf")),
        ("lead_time_days", 10**20),
    ],
)
def test_the_service_is_the_final_authority_on_numbers(db, operator_user, platform, field, value):
    """Whatever calls it (a view, the API, the import, a script), no out-of-range number is stored."""
    from marketplace.core.errors import DomainError
    from marketplace.offerings import services

    data = {"kind": "site", "title": "中试车间", "domains": ["高端化工"], field: value}
    if field == "price_amount":
        data["price_unit"] = "day"  # a price comes with its unit
    with pytest.raises(DomainError) as refused:
        services.create_offering(operator_user, platform, data)
    assert [f for f, _ in refused.value.errors] == [field]
    offering = factories.OfferingFactory(platform=platform)
    with pytest.raises(DomainError):
        services.update_offering(operator_user, offering, {field: value})


def test_other_operators_and_firms_cannot_manage_offerings(client, auth, db, platform, firm_user):
    offering = factories.OfferingFactory(platform=platform)
    intruder = factories.UserFactory(role="operator")
    db.session.commit()
    auth.as_(intruder)
    assert client.get(f"/my/offerings/{offering.id}").status_code == 404
    assert client.post(f"/my/offerings/{offering.id}", data=offering_form(title="被篡改")).status_code == 404
    assert client.post(f"/my/offerings/{offering.id}/pause").status_code == 404
    assert client.post(f"/my/platforms/{platform.id}/offerings/new", data=offering_form()).status_code == 404
    auth.as_(firm_user)
    assert client.post(f"/my/offerings/{offering.id}", data=offering_form(title="被篡改")).status_code == 403
    db.session.refresh(offering)
    assert offering.title != "被篡改" and offering.status == "active"


def test_pause_hides_from_catalogue_and_resume_restores(client, auth, db, operator_user, platform):
    offering = factories.OfferingFactory(platform=platform, title="可暂停的设备")
    db.session.commit()
    auth.as_(operator_user)
    client.post(f"/my/offerings/{offering.id}/pause")
    auth.logout()
    assert client.get(f"/offerings/{offering.id}").status_code == 404
    assert "可暂停的设备" not in client.get("/offerings").get_data(as_text=True)
    auth.as_(operator_user)
    client.post(f"/my/offerings/{offering.id}/resume")
    auth.logout()
    assert client.get(f"/offerings/{offering.id}").status_code == 200


def test_an_administrators_hold_stays_until_an_administrator_lifts_it(
    client, auth, db, admin_user, operator_user, platform
):
    offering = factories.OfferingFactory(platform=platform, title="被监管暂停的设备")
    db.session.commit()
    auth.as_(admin_user)
    client.post(f"/admin/offerings/{offering.id}/hold", data={"reason": "价格信息与备案不符"})
    db.session.refresh(offering)
    assert offering.status == "held" and not offering.is_public

    auth.as_(operator_user)
    manage = client.get(f"/my/platforms/{platform.id}").get_data(as_text=True)
    assert "已被管理员暂停" in manage and "价格信息与备案不符" in manage
    assert f"/my/offerings/{offering.id}/resume" not in manage  # no button the rules would refuse
    edit = client.get(f"/my/offerings/{offering.id}").get_data(as_text=True)
    assert "已被管理员暂停" in edit and "价格信息与备案不符" in edit
    refused = client.post(f"/my/offerings/{offering.id}/resume", follow_redirects=True)
    assert "不允许此操作" in refused.get_data(as_text=True)
    assert client.post(f"/my/offerings/{offering.id}/pause").status_code == 302
    db.session.refresh(offering)
    assert offering.status == "held"
    auth.logout()
    assert client.get(f"/offerings/{offering.id}").status_code == 404

    auth.as_(admin_user)
    client.post(f"/admin/offerings/{offering.id}/release")
    db.session.refresh(offering)
    assert offering.status == "paused"  # handed back to its operator, who decides when it shows again
    auth.as_(operator_user)
    assert f"/my/offerings/{offering.id}/resume" in client.get(f"/my/platforms/{platform.id}").get_data(
        as_text=True
    )
    client.post(f"/my/offerings/{offering.id}/resume")
    auth.logout()
    assert client.get(f"/offerings/{offering.id}").status_code == 200


def test_a_hold_needs_a_reason(client, auth, db, admin_user, platform):
    offering = factories.OfferingFactory(platform=platform)
    db.session.commit()
    auth.as_(admin_user)
    page = client.post(
        f"/admin/offerings/{offering.id}/hold", data={"reason": "  "}, follow_redirects=True
    ).get_data(as_text=True)
    assert "请填写暂停原因" in page
    db.session.refresh(offering)
    assert offering.status == "active"


def test_only_administrators_hold_and_release(client, auth, db, operator_user, platform):
    offering = factories.OfferingFactory(platform=platform, status="held")
    db.session.commit()
    auth.as_(operator_user)
    assert client.post(f"/admin/offerings/{offering.id}/release").status_code == 403
    assert client.post(f"/my/offerings/{offering.id}/hold", data={"reason": "x"}).status_code == 404
    with pytest.raises(Forbidden):
        services.change_status(operator_user, offering, "release")
    db.session.refresh(offering)
    assert offering.status == "held"


def test_review_page_offers_the_moderation_the_workflow_allows(client, auth, db, admin_user, platform):
    shown = factories.OfferingFactory(platform=platform)
    held = factories.OfferingFactory(platform=platform, status="held")
    db.session.commit()
    auth.as_(admin_user)
    page = client.get(f"/admin/platforms/{platform.id}").get_data(as_text=True)
    assert f"/admin/offerings/{shown.id}/hold" in page and f"/admin/offerings/{shown.id}/release" not in page
    assert f"/admin/offerings/{held.id}/release" in page and f"/admin/offerings/{held.id}/hold" not in page
    assert 'name="reason"' in page


def test_offerings_of_unapproved_platforms_are_not_public(client, db):
    offering = factories.OfferingFactory(platform=factories.PlatformFactory(status="submitted"))
    db.session.commit()
    assert client.get(f"/offerings/{offering.id}").status_code == 404


def test_attachments_of_hidden_offerings_are_not_served(client, db):
    attachment = factories.AttachmentFactory(owner=factories.OfferingFactory(status="paused"))
    db.session.commit()
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    assert client.get("/attachments/999999").status_code == 404


def test_pause_resume_hold_and_release_are_audited_with_who_did_it(
    client, auth, db, operator_user, admin_user, platform
):
    offering = factories.OfferingFactory(platform=platform)
    db.session.commit()
    auth.as_(operator_user)
    client.post(f"/my/offerings/{offering.id}/pause")
    client.post(f"/my/offerings/{offering.id}/resume")
    auth.as_(admin_user)
    client.post(f"/admin/offerings/{offering.id}/hold", data={"reason": "资质待核实"})
    client.post(f"/admin/offerings/{offering.id}/release")
    rows = [(r.actor_id, r.old_state, r.new_state, r.reason) for r in OFFERING_WORKFLOW.history(offering)]
    assert rows == [
        (operator_user.id, "active", "paused", None),
        (operator_user.id, "paused", "active", None),
        (admin_user.id, "active", "held", "资质待核实"),
        (admin_user.id, "held", "paused", None),
    ]


def test_pausing_a_paused_offering_says_why_instead_of_failing(client, auth, db, operator_user, platform):
    offering = factories.OfferingFactory(platform=platform, status="paused")
    db.session.commit()
    auth.as_(operator_user)
    page = client.post(f"/my/offerings/{offering.id}/pause", follow_redirects=True).get_data(as_text=True)
    assert "当前状态“已暂停”不允许此操作" in page


@pytest.mark.parametrize(
    "platform_status", ["draft", "submitted", "approved", "returned", "rejected", "suspended"]
)
@pytest.mark.parametrize("offering_status", ["active", "paused", "held"])
def test_one_rule_decides_public_visibility_everywhere(client, db, platform_status, offering_status):
    """The catalogue list, the detail page, search and the API agree on which offerings are public."""
    offering = factories.OfferingFactory(
        platform=factories.PlatformFactory(status=platform_status),
        status=offering_status,
        title="可见性测试专用冷冻干燥机",
    )
    db.session.commit()
    public = platform_status == "approved" and offering_status == "active"
    assert offering.is_public is public
    assert ("可见性测试专用冷冻干燥机" in client.get("/offerings").get_data(as_text=True)) is public
    assert client.get(f"/offerings/{offering.id}").status_code == (200 if public else 404)
    assert client.get(f"/api/v1/offerings/{offering.id}").status_code == (200 if public else 404)
    assert (offering.id in [h.obj_id for h in matching.search("冷冻干燥机").items]) is public


def test_public_offering_page_shows_its_images(client, db):
    offering = factories.OfferingFactory()
    image = factories.AttachmentFactory(owner=offering, filename="罐体.png")
    db.session.commit()
    html = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert f'<img src="/attachments/{image.id}" alt="罐体.png" loading="lazy">' in html


def test_the_operators_are_told_when_an_administrator_holds_or_releases_an_offering(
    client, auth, db, mail, admin_user, operator_user, platform
):
    """Found by a first-time user: an administrator's pause reached the operator by no message."""
    offering = factories.OfferingFactory(platform=platform, title="需核实报价的反应釜")
    db.session.commit()
    auth.as_(admin_user)
    client.post(f"/admin/offerings/{offering.id}/hold", data={"reason": "价格信息与备案不符"})
    assert mail[-1]["to"] == operator_user.email
    assert "管理员暂停展示了您的资源“需核实报价的反应釜”。原因：价格信息与备案不符" in mail[-1]["body"]
    client.post(f"/admin/offerings/{offering.id}/release")
    auth.as_(operator_user)
    notes = client.get("/notifications/").get_data(as_text=True)
    assert "已解除对资源“需核实报价的反应釜”的暂停" in notes and "原因：价格信息与备案不符" in notes


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"price_amount": "3500", "price_unit": ""}, "price_unit", "填写了价格，请选择计价单位"),
        ({"price_amount": "", "price_unit": "day"}, "price_amount", "请填写价格，或将计价单位改为“面议”"),
    ],
)
def test_a_price_and_its_unit_go_together_or_the_form_says_so(
    client, auth, db, operator_user, platform, overrides, field, message
):
    """A price with the unit left at 面议 was published as 面议; a unit without a price likewise."""
    auth.as_(operator_user)
    response = client.post(f"/my/platforms/{platform.id}/offerings/new", data=offering_form(**overrides))
    assert response.status_code == 200
    assert any(message in m for m in field_errors(response.get_data(as_text=True))[field])
    assert db.session.scalar(select(Offering.id)) is None


@pytest.mark.parametrize(
    "line,name,value",
    [
        ("容积 500 L", "容积", "500 L"),
        ("容积：500 L", "容积", "500 L"),
        ("容积=500L", "容积", "500L"),
        ("容积: 500 L", "容积", "500 L"),
        ("容积 ： 500 L", "容积", "500 L"),
        ("容积\u3000500 L", "容积", "500 L"),
        ("容积\t500 L", "容积", "500 L"),
        ("最高 温度: 200 ℃", "最高 温度", "200 ℃"),
    ],
)
def test_spec_lines_are_read_the_way_people_write_them(
    client, auth, db, operator_user, platform, line, name, value
):
    auth.as_(operator_user)
    response = client.post(
        f"/my/platforms/{platform.id}/offerings/new", data=offering_form(specs=f"{line}\n\n材质: 316L")
    )
    assert response.status_code == 302
    offering = db.session.scalar(select(Offering))
    assert offering.specs == {name: value, "材质": "316L"}
    page = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert name in page and value in page
    assert f"{name}: {value}" in client.get(f"/my/offerings/{offering.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "specs,message",
    [
        ("容积: 500 L\n防爆", "第 2 行“防爆”缺少数值"),
        (": 500 L", "第 1 行“: 500 L”缺少名称"),
        ("容积: 500 L\n容积: 1000 L", "第 2 行：参数“容积”与前面重复"),
        ("容积: " + "5" * 201, "第 1 行：参数数值不能超过 200 个字符"),
        ("名" * 51 + ": 1", "第 1 行：参数名称不能超过 50 个字符"),
    ],
)
def test_a_spec_line_that_cannot_be_read_is_refused_beside_the_field_never_dropped(
    client, auth, db, operator_user, platform, specs, message
):
    auth.as_(operator_user)
    response = client.post(f"/my/platforms/{platform.id}/offerings/new", data=offering_form(specs=specs))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert any(message in m for m in field_errors(html)["specs"])
    assert specs.splitlines()[-1] in html  # what was typed stays in the box to be corrected
    assert db.session.scalar(select(Offering.id)) is None


@pytest.mark.parametrize(
    "platform_status,notice",
    [
        ("approved", "已保存，资源已对外展示。"),
        ("draft", "已保存。平台通过审核后对外展示。"),
        ("submitted", "已保存。平台通过审核后对外展示。"),
        ("returned", "已保存。平台通过审核后对外展示。"),
        ("suspended", "已保存。平台已被暂停，恢复后对外展示。"),
    ],
)
def test_saving_an_offering_says_truthfully_when_it_is_public(
    client, auth, db, operator_user, platform, platform_status, notice
):
    """ "资源已发布" after adding an offering to a platform not yet approved was false."""
    platform.status = platform_status
    db.session.commit()
    auth.as_(operator_user)
    page = client.post(
        f"/my/platforms/{platform.id}/offerings/new", data=offering_form(), follow_redirects=True
    ).get_data(as_text=True)
    assert notice in page and "资源已发布" not in page
    offering = db.session.scalar(select(Offering))
    page = client.post(f"/my/offerings/{offering.id}", data=offering_form(), follow_redirects=True)
    assert notice in page.get_data(as_text=True)


def test_online_booking_is_offered_only_for_bookable_offerings(client, auth, db, operator_user, platform):
    """The offering page offers "预约" with the rules for a bookable offering, nothing for the others."""
    bookable = factories.OfferingFactory(platform=platform, is_bookable=True)
    other = factories.OfferingFactory(platform=platform, is_bookable=False)
    db.session.commit()
    page = client.get(f"/offerings/{bookable.id}").get_data(as_text=True)
    assert "在线预约" in page and "按整天预约" in page and "登录企业账号后预约" in page
    assert "在线预约" not in client.get(f"/offerings/{other.id}").get_data(as_text=True)
