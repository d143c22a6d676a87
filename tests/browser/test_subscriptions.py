"""A firm saves a search in the browser, an operator publishes a matching offering, and the firm learns of
it without searching again: in the notification centre and by mail (at once, as it chose)."""

import pytest

from marketplace.subscriptions import services
from tests import factories
from tests.browser.test_flows import login, logout

pytestmark = pytest.mark.browser


def test_a_firm_that_saved_a_search_hears_of_a_new_matching_offering(page, live_server, db, mail):
    firm = factories.UserFactory(role="firm", name="钱经理")
    operator = factories.UserFactory(role="operator")
    platform = factories.PlatformFactory(organization=operator.organization, name="青岛生物制品中试平台")
    factories.OfferingFactory(platform=platform, title="冷冻干燥机", description="真空冷冻干燥。")
    db.session.commit()
    services.scan()  # the push has been running: what exists now is no news

    login(page, live_server, firm.email)
    page.wait_for_url(lambda url: "/account/login" not in url)
    page.goto(f"{live_server}/search?q=发酵罐")
    assert "共 0 条结果" in page.inner_text("main")
    page.click("button:has-text('保存搜索，有新结果时提醒我')")
    assert "已保存搜索" in page.inner_text("main")
    page.goto(f"{live_server}/my/subscriptions")
    card = page.locator("article.subscription", has_text="发酵罐")
    card.locator("select").select_option("immediate")
    card.locator("button:has-text('保存')").click()
    assert "订阅设置已保存" in page.inner_text("main")
    logout(page)

    login(page, live_server, operator.email)
    page.wait_for_url(lambda url: "/account/login" not in url)
    page.goto(f"{live_server}/my/platforms/{platform.id}")
    page.click("text=+ 中试设备")
    page.fill("input[name=title]", "1000 L 机械搅拌不锈钢发酵罐")
    page.fill("textarea[name=specs]", "容积: 1000 L")
    page.fill("input[name=price_amount]", "1800")
    page.select_option("select[name=price_unit]", "day")
    page.click("#offering-form button[type=submit]")
    assert page.locator(".flash.success").count() == 1
    logout(page)

    assert services.scan() == 1  # the worker's minute job
    db.session.commit()

    login(page, live_server, firm.email)
    page.wait_for_url(lambda url: "/account/login" not in url)
    assert page.locator("nav a[href='/notifications/'] .badge").inner_text() == "1"
    page.click("nav a[href='/notifications/']")
    main = page.inner_text("main")
    assert "保存的搜索“发酵罐”有新的中试资源：1000 L 机械搅拌不锈钢发酵罐（青岛生物制品中试平台）" in main
    page.click("ul.notices a:has-text('查看')")
    assert page.locator("h1").inner_text() == "1000 L 机械搅拌不锈钢发酵罐"
    assert page.locator("nav a[href='/notifications/'] .badge").count() == 0

    [sent] = [m for m in mail if m["to"] == firm.email]
    assert sent["subject"] == "订阅提醒：1000 L 机械搅拌不锈钢发酵罐"
    assert "钱经理，您好" in sent["body"] and "一键退订" in sent["body"]
