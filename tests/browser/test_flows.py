"""End-to-end flows in Debian's Chromium, driven by Playwright against a live server."""

import pytest

from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def login(page, base, email, password=PASSWORD):
    page.goto(f"{base}/account/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


def logout(page):
    page.click("nav form button")


def test_operator_registers_publishes_and_admin_approves(page, live_server, db, admin_user):
    base = live_server
    page.goto(f"{base}/account/register")
    page.select_option("select[name=role]", "operator")
    page.fill("input[name=name]", "赵工")
    page.fill("input[name=email]", "zhao@example.cn")
    page.fill("input[name=password]", "pilot-platform-2026")
    page.fill("input[name=confirm]", "pilot-platform-2026")
    page.fill("input[name=org_name]", "潍坊某装备科技有限公司")
    page.select_option("select[name=org_city]", "潍坊")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/my/platforms/")

    page.click("text=登记新平台")
    page.fill("input[name=name]", "潍坊智能装备中试平台")
    page.select_option("select[name=level]", "省级")
    page.select_option("select[name=city]", "潍坊")
    page.check("input[name=domains][value=高端装备制造]")
    page.fill("textarea[name=description]", "五轴加工与增材制造中试")
    page.click("main form button[type=submit]")
    assert "提交审核前请补充：核心能力、开放共享规则、收费标准、联系人、联系电话" in page.inner_text("main")
    page.click("text=编辑")
    page.fill("textarea[name=capabilities]", "五轴加工、增材制造、精密测量")
    page.fill("textarea[name=sharing_rules]", "工作日开放，提前两天预约")
    page.fill("textarea[name=fee_standard]", "按机时收费")
    page.fill("input[name=contact_name]", "赵工")
    page.fill("input[name=contact_phone]", "0536-8000000")
    page.click("main form button[type=submit]")
    page.click("button:has-text('提交审核')")
    assert "待审核" in page.inner_text("h1")

    page.click("text=+ 中试设备")
    page.fill("input[name=title]", "五轴联动立式加工中心")
    page.fill("textarea[name=specs]", "行程: 800 mm")
    page.fill("input[name=price_amount]", "650")
    page.select_option("select[name=price_unit]", "hour")
    page.click("#offering-form button[type=submit]")
    assert page.locator(".flash.success").count() == 1
    logout(page)

    page.goto(f"{base}/offerings")
    assert "五轴联动立式加工中心" not in page.content()  # not public before approval

    login(page, base, admin_user.email)
    page.goto(f"{base}/admin/reviews")
    page.click("text=潍坊智能装备中试平台")
    page.select_option("select[name=action]", "approve")
    page.click("main form button:has-text('提交决定')")
    assert "队列为空" in page.content()
    logout(page)

    page.goto(f"{base}/offerings")
    assert page.locator("h3 a", has_text="五轴联动立式加工中心").count() == 1


def test_firm_posts_a_demand_and_sees_the_matching_offering_first(page, live_server, db):
    base = live_server
    bio = factories.PlatformFactory(city="济南", domains=["生物医药"], certifications=["GMP"])
    factories.OfferingFactory(
        platform=bio,
        title="500 L 不锈钢机械搅拌发酵罐",
        specs={"容积": "500 L"},
        description="大肠杆菌高密度发酵，GMP车间。",
    )
    factories.OfferingFactory(
        platform=bio, title="冻干制剂处方开发", kind="service", description="冻干曲线开发"
    )
    factories.OfferingFactory(
        platform=factories.PlatformFactory(domains=["高端化工"]),
        title="1000 L 搪玻璃反应釜",
        domains=["高端化工"],
        description="精细化工合成放大",
    )
    firm = factories.UserFactory(role="firm")
    db.session.commit()

    login(page, base, firm.email)
    page.goto(f"{base}/my/demands/new")
    page.fill("input[name=title]", "重组蛋白发酵工艺放大到500 L")
    page.fill(
        "textarea[name=description]", "我们的大肠杆菌表达体系在5 L罐稳定，需要在GMP条件下放大到500 L发酵罐。"
    )
    page.check("input[name=domains][value=生物医药]")
    page.check("input[name=kinds][value=equipment]")
    page.click("button:has-text('发布并查看匹配')")
    page.wait_for_selector("#matches")
    first = page.locator("#matches .match-title").first.inner_text()
    assert first == "500 L 不锈钢机械搅拌发酵罐"
    assert "匹配度" in page.inner_text("#matches")
