"""A firm and a platform talk in a booking's thread in the browser (real CSRF tokens, a file attached)."""

import pytest

from tests import factories
from tests.browser.test_flows import login, logout

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_firm_writes_with_a_file_and_the_operator_reads_it(page, live_server, db):
    booking = factories.BookingFactory()
    firm = booking.requested_by
    operator = factories.UserFactory(role="operator", organization=booking.platform.organization)
    db.session.commit()

    login(page, live_server, firm.email)
    page.wait_for_url(lambda url: "/account/login" not in url)
    page.goto(f"{live_server}/messages/booking/{booking.id}")
    page.click("#thread button[type=submit]")  # empty: the browser's own check keeps it here
    page.fill("textarea[name=body]", "样品下周一寄到，请安排 9 点开始。")
    page.set_input_files(
        "input[name=files]", files=[{"name": "样品清单.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("#thread button[type=submit]")
    page.wait_for_url(f"{live_server}/bookings/{booking.id}#thread")
    assert "消息已发送" in page.inner_text("main")
    logout(page)

    login(page, live_server, operator.email)
    page.wait_for_url(lambda url: "/account/login" not in url)
    assert page.locator("nav a[href='/messages/'] .badge").inner_text() == "1"
    page.goto(f"{live_server}/messages/")
    assert "样品下周一寄到" in page.inner_text("main") and "1 条未读" in page.inner_text("main")
    page.goto(f"{live_server}/messages/booking/{booking.id}")
    thread = page.inner_text("#thread")
    assert "样品下周一寄到，请安排 9 点开始。" in thread and firm.organization.name in thread
    assert page.locator("#thread a", has_text="样品清单.png").count() == 1
    assert page.locator("nav a[href='/messages/'] .badge").count() == 0
