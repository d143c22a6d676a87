"""A firm writing a need in the browser asks for suggestions and takes them with one click (real CSRF)."""

import pytest

from tests.browser.test_flows import login
from tests.demands.test_suggest import catalogue

pytestmark = pytest.mark.browser


def test_the_form_suggests_domains_and_kinds_and_ticks_them_when_asked(page, live_server, db, firm_user):
    catalogue()
    login(page, live_server, firm_user.email)
    page.wait_for_url(lambda url: "/account/login" not in url)
    page.goto(f"{live_server}/my/demands/new")
    page.fill("input[name=title]", "氧化锆陶瓷冷等静压成型")
    page.fill("textarea[name=description]", "陶瓷粉体需要 200 MPa 冷等静压设备做成型验证。")
    page.click("button[data-suggest]")
    result = page.locator("[data-suggest-result]")
    result.locator("button").wait_for()
    assert "领域：新材料" in result.inner_text()
    assert not page.locator("input[name=domains][value=新材料]").is_checked()  # nothing ticked unasked
    result.locator("button").click()
    assert page.locator("input[name=domains][value=新材料]").is_checked()
    assert page.locator("input[name=kinds][value=equipment]").is_checked()
