"""Offerings: the four kinds, validation, permissions, pausing and their attachments' visibility."""

import pytest
from sqlalchemy import select

from marketplace.matching import services as matching
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


def test_nothing_is_said_about_online_booking_until_it_exists(client, auth, db, operator_user, platform):
    """ "在线预约：支持" was shown although there is no booking yet."""
    offering = factories.OfferingFactory(platform=platform, is_bookable=True)
    db.session.commit()
    assert "预约" not in client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    auth.as_(operator_user)
    assert "预约" not in client.get(f"/my/offerings/{offering.id}").get_data(as_text=True)
    client.post(f"/my/offerings/{offering.id}", data=offering_form())
    db.session.refresh(offering)
    assert offering.is_bookable  # kept as it was (imports and the API still carry it)


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


def test_administrator_can_pause_any_offering(client, auth, db, admin_user, platform):
    offering = factories.OfferingFactory(platform=platform)
    db.session.commit()
    auth.as_(admin_user)
    client.post(f"/admin/offerings/{offering.id}/pause")
    db.session.refresh(offering)
    assert offering.status == "paused"


def test_offerings_of_unapproved_platforms_are_not_public(client, db):
    offering = factories.OfferingFactory(platform=factories.PlatformFactory(status="submitted"))
    db.session.commit()
    assert client.get(f"/offerings/{offering.id}").status_code == 404


def test_attachments_of_hidden_offerings_are_not_served(client, db):
    attachment = factories.AttachmentFactory(owner=factories.OfferingFactory(status="paused"))
    db.session.commit()
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    assert client.get("/attachments/999999").status_code == 404


def test_pause_and_resume_are_audited_with_who_did_it(client, auth, db, operator_user, admin_user, platform):
    offering = factories.OfferingFactory(platform=platform)
    db.session.commit()
    auth.as_(operator_user)
    client.post(f"/my/offerings/{offering.id}/pause")
    client.post(f"/my/offerings/{offering.id}/resume")
    auth.as_(admin_user)
    client.post(f"/admin/offerings/{offering.id}/pause")
    rows = [(r.actor_id, r.old_state, r.new_state) for r in OFFERING_WORKFLOW.history(offering)]
    assert rows == [
        (operator_user.id, "active", "paused"),
        (operator_user.id, "paused", "active"),
        (admin_user.id, "active", "paused"),
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
@pytest.mark.parametrize("offering_status", ["active", "paused"])
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
