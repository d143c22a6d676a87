"""Issue 8's whole flows in Debian's Chromium, with real clicks, typing and CSRF tokens: a slot found by
search and booked, accepted, then refused to a second firm; a demand's match to a completed, rated
booking; a proposal to an accepted order; an inquiry under the 保密承诺. Each user has a browser of
their own (a phone or a desktop), as firms and platforms do."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.conftest import PASSWORD
from tests.factories import local_day

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def browsers(page, live_server):
    """`browsers(user, viewport)`: a fresh browser of its own (cookies) of that size, logged in as
    `user` through the login form; its `base` is the live server's address."""

    def open_as(user, viewport=DESKTOP):
        context = page.context.browser.new_context(locale="zh-CN", viewport=viewport)
        tab = context.new_page()
        tab.set_default_timeout(15000)
        tab.goto(f"{live_server}/account/login")
        tab.fill("input[name=email]", user.email)
        tab.fill("input[name=password]", PASSWORD)
        tab.click("main form button[type=submit]")
        tab.wait_for_url(lambda url: "/account/login" not in url)
        return tab

    open_as.base = live_server
    return open_as


def flash(tab) -> str:
    return " ".join(tab.locator("main .flash").all_inner_texts())


def follow(tab, target):
    """Click what leads to another page (a link, a form's button) and wait until that page has loaded."""
    with tab.expect_navigation():
        if isinstance(target, str):
            tab.click(target)
        else:
            target.click()


def no_overflow(tab) -> bool:
    return tab.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def platform_with_operator(**values):
    operator = factories.UserFactory(role="operator", name="孙经理", phone="0531-66668888")
    platform = factories.PlatformFactory(organization=operator.organization, **values)
    return platform, operator


# ---------------------------------------------------------------- 1. search, book, accept, refused


def test_a_firm_books_a_slot_found_by_search_and_a_second_firm_cannot_have_it(browsers, db):
    platform, operator = platform_with_operator(
        name="淄博精细化工中试平台", city="淄博", domains=["高端化工"]
    )
    reactor = factories.OfferingFactory(
        platform=platform,
        title="200 L 搪玻璃反应釜",
        description="精细化工合成放大，带夹套控温。",
        domains=["高端化工"],
        price_amount=300.0,
        price_unit="hour",
        opening_hours=[{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)],
    )
    first, second = factories.UserFactory(role="firm"), factories.UserFactory(role="firm")
    db.session.commit()
    day = local_day(3)
    date = day.date().isoformat()

    # The first firm, on a phone: search from the home page, open the hit, book two hours.
    phone = browsers(first, PHONE)
    phone.goto(browsers.base + "/")
    phone.fill("form.searchbox input[name=q]", "搪玻璃反应釜")
    follow(phone, "form.searchbox button[type=submit]")
    follow(phone, ".hit a.hit-title:has-text('200 L 搪玻璃反应釜')")
    phone.wait_for_url(f"**/offerings/{reactor.id}")
    follow(phone, "#booking a.btn:has-text('预约')")
    phone.wait_for_url(f"**/offerings/{reactor.id}/book")
    phone.fill("input[name=start]", f"{date}T10:00")
    phone.fill("input[name=end]", f"{date}T12:00")
    phone.fill("textarea[name=note]", "需要氮气保护。")
    follow(phone, "button[name=preview]")
    quote = phone.locator("#quote")
    assert "600.00 元" in quote.inner_text()
    assert "2 小时 × 1 台/套 × 300.00 元/小时" in quote.inner_text()
    assert no_overflow(phone)
    follow(phone, "button[name=send]")
    phone.wait_for_url(re.compile(r".*/bookings/\d+$"))
    assert "预约申请已提交，等待平台受理。" in flash(phone)
    assert phone.inner_text("#booking-status") == "待受理"
    ref = phone.locator("dl.facts dd").first.inner_text()

    # The operator, on a desktop, lands on the platform's workbench and accepts from its waiting list.
    desk = browsers(operator)
    assert "/workbench/platforms/" in desk.url
    follow(desk, "#waiting a:has-text('200 L 搪玻璃反应釜')")
    assert ref in desk.inner_text("main")
    follow(desk, "#actions button:has-text('接受')")
    assert "已接受，当前状态：已确认。" in flash(desk)
    assert desk.inner_text("#booking-status") == "已确认"

    # The first firm sees it confirmed, with the platform's contact.
    phone.reload()
    assert phone.inner_text("#booking-status") == "已确认"
    assert "淄博精细化工中试平台" in phone.inner_text("#contacts")

    # The second firm, on a desktop: the calendar shows the two hours taken, and booking them is refused
    # with the conflicting time named.
    other = browsers(second)
    other.goto(f"{browsers.base}/offerings/{reactor.id}")
    follow(other, "a:has-text('查看可预约时间')")
    follow(other, f".cal-date[href*='week={date}']")
    taken = other.locator(".cal-wday", has_text=f"{day.month}月{day.day}日")
    assert "10:00–12:00 已约满" in taken.inner_text()
    assert first.organization.name not in other.inner_text("main")  # never who booked
    follow(other, "main a:has-text('← 200 L 搪玻璃反应釜')")
    follow(other, "#booking a.btn:has-text('预约')")
    other.fill("input[name=start]", f"{date}T09:00")
    other.fill("input[name=end]", f"{date}T11:00")
    follow(other, "button[name=preview]")
    assert other.locator("#quote").count() == 0
    refusal = other.inner_text("#booking-request")
    assert f"该时段已被预约：{date} 10:00 至 {date} 11:00 仅剩 0 台/套可约" in refusal
    assert other.locator("button[name=send]").count() == 0


def _demand_page(browsers, db, title: str, description: str):
    """A firm's new demand (the offerings made before it are its matches), open on the firm's phone."""
    firm = factories.UserFactory(role="firm")
    demand = factories.DemandFactory(
        organization=firm.organization, created_by_id=firm.id, title=title, description=description
    )
    db.session.commit()
    phone = browsers(firm, PHONE)
    phone.goto(f"{browsers.base}/demands/{demand.id}")
    return phone


def test_a_judged_match_far_down_the_page_shows_its_message_beside_it(browsers, db):
    """Found by a first user: after 不相关 on a match far down the list, the page came back scrolled to
    that match and the confirmation sat at the top of the page, out of sight."""
    platform = factories.PlatformFactory(name="济南生物发酵中试平台")
    offerings = [
        factories.OfferingFactory(
            platform=platform,
            title=f"{size} L 不锈钢发酵罐",
            description="大肠杆菌高密度发酵，在线pH与溶氧控制。",
        )
        for size in (50, 100, 200, 500, 1000, 2000, 3000, 5000)
    ]
    phone = _demand_page(browsers, db, "大肠杆菌发酵罐放大", "大肠杆菌高密度发酵需要放大，在线pH与溶氧控制。")
    last = phone.locator("#matches > li").last
    assert last.locator(".match-title").inner_text() in {o.title for o in offerings}
    judged = last.get_attribute("id")
    follow(phone, last.locator("button:has-text('不相关')"))
    assert phone.url.endswith(f"#{judged}")
    message = phone.locator(f"#{judged} .flash")  # beside the judged match
    assert message.inner_text() == "已记录您的评价，谢谢！评价将用于改进匹配。"
    box, height = message.bounding_box(), phone.viewport_size["height"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height  # in view, not above it


def test_a_judgement_withdrawn_in_a_closed_fold_shows_its_message_in_the_opened_fold(browsers, db):
    """An offering folded under another platform's copy: once its judgement is withdrawn the fold is
    rendered closed again; the browser opens it for the anchor, and the message is there beside it."""
    kilns = [
        factories.OfferingFactory(
            platform=factories.PlatformFactory(name=f"正极材料平台{n}"),
            title=f"{size} m 辊道窑（正极材料烧结）",
            description="三元正极材料的连续烧结，氧气气氛。",
        )
        for n, size in enumerate((10, 20))
    ]
    phone = _demand_page(browsers, db, "正极材料辊道窑烧结", "三元正极材料需要辊道窑连续烧结，氧气气氛。")
    phone.click("details.alike summary")
    folded = phone.locator("details.alike li").first
    assert folded.locator("a").first.inner_text() in {k.title for k in kilns}
    follow(phone, folded.locator("button:has-text('不相关')"))
    folded = phone.locator("details.alike li").first
    follow(phone, folded.locator("button:has-text('撤销评价')"))
    message = phone.locator("details.alike .flash")
    assert message.inner_text() == "已撤销评价。" and message.is_visible()
    box, height = message.bounding_box(), phone.viewport_size["height"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height


# ---------------------------------------------------------------- 2. a demand's match to a rated booking


def test_a_firm_goes_from_its_demands_match_to_a_completed_rated_booking(browsers, db):
    platform, operator = platform_with_operator(name="济南生物发酵中试平台", city="济南")
    fermenter = factories.OfferingFactory(
        platform=platform,
        title="500 L 不锈钢机械搅拌发酵罐",
        description="大肠杆菌高密度发酵，GMP车间，在线pH与溶氧控制。",
        specs={"容积": "500 L"},
    )
    firm = factories.UserFactory(role="firm", name="刘工", phone="0531-81234567")
    demand = factories.DemandFactory(
        organization=firm.organization,
        created_by_id=firm.id,
        title="重组蛋白发酵工艺放大到500 L",
        description="大肠杆菌表达体系在5 L罐稳定，需要在GMP条件下放大到500 L发酵罐。",
    )
    fermenter.min_notice_hours = 0  # tomorrow's whole day, so the work may start today (the day before)
    db.session.commit()
    day = local_day(1)
    start, last = day.date().isoformat(), local_day(2).date().isoformat()

    # The firm, on a phone: its demand, the match, book it (whole days), linked to the demand.
    phone = browsers(firm, PHONE)
    phone.click("button.nav-toggle")
    follow(phone, "#mainnav a:has-text('我的需求')")
    follow(phone, f"a:has-text('{demand.title}')")
    match = phone.locator("#matches > li", has_text=fermenter.title).first
    assert match.locator(".match-title").inner_text() == fermenter.title
    follow(phone, match.locator("a.btn:has-text('预约')"))
    phone.wait_for_url(f"**/offerings/{fermenter.id}/book?demand={demand.id}")
    assert phone.locator("select[name=demand_id] option:checked").inner_text() == demand.title
    phone.fill("input[name=start]", start)
    phone.fill("input[name=end]", last)
    follow(phone, "button[name=preview]")
    assert "2,400.00 元" in phone.inner_text("#quote")
    follow(phone, "button[name=send]")
    phone.wait_for_url(re.compile(r".*/bookings/\d+$"))
    booking_url = phone.url
    assert phone.locator("a:has-text('查看需求')").get_attribute("href") == f"/demands/{demand.id}"

    # The operator accepts, starts and completes the work with a report and a file.
    desk = browsers(operator)
    follow(desk, "#mainnav a:has-text('预约与订单')")
    follow(desk, f"td a:has-text('{fermenter.title}')")
    assert "该企业在本平台的未到场记录：0 次。" in desk.inner_text("#no-shows")
    follow(desk, "#actions button:has-text('接受')")
    assert desk.inner_text("#booking-status") == "已确认"
    assert "刘工" in desk.inner_text("#contacts") and "0531-81234567" in desk.inner_text("#contacts")
    follow(desk, "#actions button:has-text('开始服务')")
    assert desk.inner_text("#booking-status") == "进行中"
    desk.fill("textarea[name=report]", "两批次发酵均达到目标表达量，OD600 达 85。")
    desk.set_input_files(
        "#actions input[name=files]",
        files=[{"name": "发酵报告.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}],
    )
    follow(desk, "#actions button:has-text('标记完成')")
    assert "已标记完成，等待企业确认验收。" in flash(desk)
    assert desk.inner_text("#booking-status") == "已完成待确认"

    # The firm confirms, rates and records the outcome, all on its phone.
    phone.goto(booking_url)
    assert "OD600 达 85" in phone.inner_text("#completion")
    assert phone.locator("#files a:has-text('发酵报告.pdf')").count() == 1
    follow(phone, "#actions button:has-text('确认验收')")
    assert phone.inner_text("#booking-status") == "已验收"
    phone.select_option("#review select[name=rating]", "4")
    phone.fill("#review textarea[name=comment]", "数据完整，交付准时。")
    follow(phone, "#review button:has-text('提交评价')")
    assert "感谢评价，评价已公开显示。" in flash(phone)
    phone.select_option("#outcome select[name=outcome]", "ongoing")
    phone.fill("#outcome textarea[name=outcome_note]", "正在准备放大到 2000 L。")
    follow(phone, "#outcome button:has-text('保存')")
    assert "当前：进行中" in phone.inner_text("#outcome")
    assert no_overflow(phone)

    # The platform answers the review once, publicly; the offering page shows both.
    desk.reload()
    desk.fill("#review textarea[name=reply]", "感谢信任，欢迎继续合作。")
    follow(desk, "#review button:has-text('公开回复')")
    assert "回复已公开显示。" in flash(desk)
    assert desk.locator("#review form").count() == 0
    phone.goto(f"{browsers.base}/offerings/{fermenter.id}")
    ratings = phone.inner_text("main")
    assert "数据完整，交付准时。" in ratings and "感谢信任，欢迎继续合作。" in ratings
    assert firm.organization.name not in ratings


# ---------------------------------------------------------------- 3. a proposal to an accepted order


def test_a_firm_goes_from_a_proposal_on_its_demand_to_an_accepted_order(browsers, db):
    platform, operator = platform_with_operator(
        name="烟台新材料中试平台", city="烟台", contact_name="孙经理", contact_phone="0535-6000000"
    )
    rival = factories.ProposalFactory(title="竞争方案", price_amount=260000.0, lead_time_days=60)
    firm = factories.UserFactory(role="firm", name="周工", phone="0531-87654321")
    demand = rival.demand
    demand.organization, demand.org_id = firm.organization, firm.org_id
    rival.org_id = firm.org_id
    demand.title = "锂电正极材料中试放大"
    db.session.commit()
    valid_until = local_day(20).date().isoformat()

    # The operator, on a phone, proposes on the open demand from the demand page.
    phone = browsers(operator, PHONE)
    phone.goto(f"{browsers.base}/demands")
    follow(phone, f"a:has-text('{demand.title}')")
    follow(phone, "#propose a:has-text('提交方案与报价')")
    assert phone.locator("select[name=platform_id] option:checked").inner_text() == platform.name
    phone.fill("input[name=title]", "正极材料 50 kg 级放大方案")
    phone.fill("input[name=price_amount]", "180000")
    phone.fill("input[name=lead_time_days]", "45")
    phone.fill("input[name=valid_until]", valid_until)
    phone.fill("textarea[name=scope]", "完成三批 50 kg 级烧结放大及性能验证。")
    phone.fill("textarea[name=deliverables]", "工艺报告、批记录、检测报告")
    assert no_overflow(phone)
    follow(phone, "main form button:has-text('提交')")
    assert "方案已提交，企业答复后会通知您。" in flash(phone)
    proposal_url = phone.url

    # The firm, on a desktop, compares the two proposals side by side and asks a question in one.
    desk = browsers(firm)
    desk.goto(f"{browsers.base}/demands/{demand.id}")
    follow(desk, "#dealings a:has-text('方案对比（2）')")
    cards = desk.locator(".compare > article")
    assert cards.count() == 2
    boxes = [cards.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]  # side by side
    ours = desk.locator(".compare > article", has_text="正极材料 50 kg 级放大方案")
    assert "180,000 元/项目" in ours.inner_text() and "45 天" in ours.inner_text()
    follow(desk, ours.locator("a:has-text('查看详情或提问')"))
    desk.fill("#thread textarea[name=body]", "烧结气氛能否用纯氧？")
    follow(desk, "#thread button:has-text('发送消息')")
    desk.wait_for_url(f"{proposal_url}#thread")
    assert "消息已发送。" in flash(desk)

    # The operator answers in the same thread, from its messages.
    phone.reload()
    phone.click("button.nav-toggle")
    follow(phone, "#mainnav a:has-text('消息')")
    follow(phone, "a.thread-title:has-text('正极材料 50 kg 级放大方案')")
    assert "烧结气氛能否用纯氧？" in phone.inner_text("#thread")
    phone.fill("#thread textarea[name=body]", "可以，纯氧气氛另加 5000 元。")
    follow(phone, "#thread button:has-text('发送消息')")
    phone.wait_for_url(f"{proposal_url}#thread")

    # The firm reads the answer, accepts this proposal and declines the other with a reason.
    desk.reload()
    assert "可以，纯氧气氛另加 5000 元。" in desk.inner_text("#thread")
    follow(desk, "main dl.facts a:has-text('与其他方案对比')")
    ours = desk.locator(".compare > article", has_text="正极材料 50 kg 级放大方案")
    ours.locator("summary:has-text('接受此方案并不采纳其他方案')").click()
    ours.locator("textarea[name=reason]").first.fill("周期更短，价格更低。")
    follow(desk, ours.locator("button:has-text('接受并不采纳其他 1 份')"))
    desk.wait_for_url(re.compile(r".*/bookings/\d+$"))
    assert "已接受方案，订单已生成；价格与条款已锁定。" in flash(desk)
    order_url = desk.url
    assert desk.inner_text("#booking-status") == "已确认"
    facts = desk.inner_text("main dl.facts")
    assert "180,000" in facts and "完成三批 50 kg 级烧结放大及性能验证。" in facts and "周期：45 天" in facts
    contacts = desk.inner_text("#contacts")
    assert "孙经理" in contacts and "0535-6000000" in contacts

    # The operator sees the order with the firm's contact person; the other platform sees why not.
    phone.goto(order_url)
    contacts = phone.inner_text("#contacts")
    assert "周工" in contacts and "0531-87654321" in contacts
    assert no_overflow(phone)
    desk.goto(f"{browsers.base}/my/demands/{demand.id}/proposals")
    declined = desk.locator(".compare > article", has_text="竞争方案").inner_text()
    assert "未采纳" in declined and "周期更短，价格更低。" in declined


# ---------------------------------------------------------------- 4. an inquiry under the 保密承诺


def test_an_inquiry_under_the_undertaking_opens_the_confidential_part_only_once_accepted(browsers, db):
    platform, operator = platform_with_operator(name="青岛海洋生物中试平台", city="青岛")
    service = factories.OfferingFactory(
        platform=platform,
        kind="service",
        title="重组蛋白发酵工艺开发服务",
        description="大肠杆菌表达重组蛋白的发酵工艺开发与放大。",
        is_bookable=False,
        price_amount=None,
        price_unit=None,
    )
    firm = factories.UserFactory(role="firm", name="吴工", phone="0532-80001111")
    demand = factories.DemandFactory(
        organization=firm.organization,
        created_by_id=firm.id,
        title="重组蛋白发酵工艺开发",
        description="大肠杆菌表达重组蛋白，需要发酵工艺开发与放大服务。",
        confidential_detail="菌株编号 ZS-42，诱导温度 25 ℃。",
    )
    db.session.commit()
    secret = "菌株编号 ZS-42"

    # The firm, on a phone: from the match, with its demand attached; the confirmation shows what opens.
    phone = browsers(firm, PHONE)
    phone.goto(f"{browsers.base}/demands/{demand.id}")
    match = phone.locator("#matches > li", has_text=service.title).first
    follow(phone, match.locator("a:has-text('发送咨询')"))
    assert phone.locator("select[name=demand_id] option:checked").inner_text() == demand.title
    phone.fill("textarea[name=body]", "请评估能否承接 500 L 规模的发酵工艺开发。")
    follow(phone, "main form button:has-text('下一步')")
    disclosure = phone.inner_text("#disclosure")
    assert "将向“青岛海洋生物中试平台”开放的保密信息" in disclosure and secret in disclosure
    assert no_overflow(phone)
    phone.check("input[name=requires_nda]")
    follow(phone, "main form button:has-text('确认发送')")
    phone.wait_for_url(re.compile(r".*/inquiries/\d+$"))
    assert "咨询已发送，平台回复后会通知您。" in flash(phone)
    assert "企业要求平台先签署保密承诺" in phone.inner_text("#disclosure")
    inquiry_url = phone.url

    # The operator, on a desktop: from the workbench, the demand shows no confidential part yet.
    desk = browsers(operator)
    follow(desk, "#waiting a:has-text('咨询：重组蛋白发酵工艺开发服务')")
    desk.wait_for_url(inquiry_url)
    follow(desk, f"main dl.facts a:text-is('{demand.title}')")
    desk.wait_for_url(f"**/demands/{demand.id}")
    assert secret not in desk.content()
    desk.go_back()
    follow(desk, "#actions button:has-text('接受咨询')")  # without the undertaking: refused
    assert "请阅读并勾选接受后再接受咨询" in desk.inner_text("#actions")
    desk.check("input[name=accept_nda]")
    follow(desk, "#actions button:has-text('接受咨询')")
    desk.wait_for_url(inquiry_url)
    assert "已接受咨询。" in flash(desk)
    assert f"由平台签署（签署人：{operator.name}）" in desk.inner_text("#disclosure")
    contacts = desk.inner_text("#contacts")
    assert "吴工" in contacts and "0532-80001111" in contacts
    follow(desk, f"main dl.facts a:text-is('{demand.title}')")
    assert secret in desk.inner_text("main .confidential")

    # The firm sees the undertaking recorded and the platform's contact person.
    phone.reload()
    assert "保密承诺已于" in phone.inner_text("#disclosure")
    assert operator.name in phone.inner_text("#contacts")
