"""iCalendar feeds at secret, revocable URLs: parsed back with the icalendar library; only the token's
SHA-256 is stored; no other firm's or platform's data."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC

import icalendar
import pytest
from sqlalchemy import select

from marketplace.bookings.models import CalendarFeed
from tests import factories
from tests.factories import local_day


@pytest.fixture
def bookings(db):
    """A firm's bookings in three states at one platform, another firm's booking there, and a block."""
    offering = factories.OfferingFactory(
        title="50 L 玻璃反应釜",
        price_unit="hour",
        booking_capacity=2,
        opening_hours=[{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)],
        platform=factories.PlatformFactory(city="淄博", name="淄博新材料中试基地"),
    )
    accepted = factories.BookingFactory(offering=offering, start_at=local_day(5, 9), end_at=local_day(5, 12))
    firm = accepted.requested_by
    requested = factories.BookingFactory(
        offering=offering,
        requested_by=firm,
        start_at=local_day(6, 9),
        end_at=local_day(6, 11),
        status="requested",
    )
    cancelled = factories.BookingFactory(
        offering=offering,
        requested_by=firm,
        start_at=local_day(7, 9),
        end_at=local_day(7, 11),
        status="cancelled",
    )
    other = factories.BookingFactory(offering=offering, start_at=local_day(5, 13), end_at=local_day(5, 15))
    block = factories.OfferingBlockFactory(
        offering=offering, start_at=local_day(8, 8), end_at=local_day(8, 18), reason="设备年度维护"
    )
    operator = factories.UserFactory(role="operator", organization=offering.platform.organization)
    db.session.commit()
    return {
        "firm": firm,
        "operator": operator,
        "accepted": accepted,
        "requested": requested,
        "cancelled": cancelled,
        "other": other,
        "block": block,
        "offering": offering,
    }


def create_feed(client, platform_id=None) -> str:
    data = {"platform_id": str(platform_id)} if platform_id else {}
    response = client.post("/my/calendar/feeds/new", data=data)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = re.search(
        r'value="(http://localhost/calendar/[A-Za-z0-9_-]+\.ics)"', response.get_data(as_text=True)
    )
    assert match, "the new URL is shown"
    return match.group(1).removeprefix("http://localhost")


def parse(client, path) -> icalendar.Calendar:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.data)


def events(cal) -> dict[str, icalendar.Event]:
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_a_firms_feed_carries_its_bookings_with_times_in_utc_and_their_status(client, auth, bookings):
    auth.as_(bookings["firm"])
    path = create_feed(client)
    auth.logout()  # calendar clients have no session
    cal = parse(client, path)
    assert str(cal["version"]) == "2.0" and "prodid" in cal
    assert bookings["firm"].organization.name in str(cal["x-wr-calname"])
    found = events(cal)
    wanted = {bookings[k].ref + "@localhost": bookings[k] for k in ("accepted", "requested", "cancelled")}
    assert set(found) == set(wanted)  # nothing of the other firm
    for uid, booking in wanted.items():
        event = found[uid]
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start.utcoffset().total_seconds() == 0 and start == booking.start_at
        assert end == booking.end_at.astimezone(UTC)
        assert "淄博" in str(event["location"]) and "淄博新材料中试基地" in str(event["location"])
        assert str(event["url"]) == f"http://localhost/bookings/{booking.id}"
        assert booking.title in str(event["summary"])
        assert event.decoded("dtstamp") is not None
    statuses = {uid: str(e["status"]) for uid, e in found.items()}
    assert statuses[bookings["accepted"].ref + "@localhost"] == "CONFIRMED"
    assert statuses[bookings["requested"].ref + "@localhost"] == "TENTATIVE"
    assert statuses[bookings["cancelled"].ref + "@localhost"] == "CANCELLED"
    text = client.get(path).get_data(as_text=True)
    assert bookings["other"].organization.name not in text and "设备年度维护" not in text
    assert re.search(r"DTSTART:\d{8}T\d{6}Z", text)  # UTC times, no floating ones


def test_only_the_tokens_hash_is_stored_and_the_url_is_shown_once(client, auth, db, bookings):
    auth.as_(bookings["firm"])
    path = create_feed(client)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    feed = db.session.scalar(select(CalendarFeed))
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in feed.token_hash
    page = client.get("/my/calendar/feeds").get_data(as_text=True)
    assert token not in page and "已启用" in page
    assert client.get(f"/calendar/{feed.token_hash}.ics").status_code == 404  # the hash opens nothing


def test_a_new_url_revokes_the_old_one_and_revoking_closes_the_feed(client, auth, bookings):
    auth.as_(bookings["firm"])
    first = create_feed(client)
    second = create_feed(client)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    response = client.post("/my/calendar/feeds/revoke")
    assert response.status_code == 302
    assert client.get(second).status_code == 404
    assert "未启用" in client.get("/my/calendar/feeds").get_data(as_text=True)
    assert "尚未生成或已停用" in client.post("/my/calendar/feeds/revoke", follow_redirects=True).get_data(
        as_text=True
    )


@pytest.mark.parametrize("token", ["unknown", "x" * 300, "feed-0", "..%2F..%2Fetc"])
def test_unknown_tokens_find_nothing(client, db, token):
    factories.CalendarFeedFactory(revoked_at=None)
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_feed_dies_with_its_users_access(client, db):
    feed = factories.CalendarFeedFactory(token_hash=hashlib.sha256(b"secret-token").hexdigest())
    db.session.commit()
    assert client.get("/calendar/secret-token.ics").status_code == 200
    feed.user.is_enabled = False
    db.session.commit()
    assert client.get("/calendar/secret-token.ics").status_code == 404


def test_a_platforms_feed_has_its_whole_schedule_with_firms_and_blocks(client, auth, db, bookings):
    operator, platform_id = bookings["operator"], bookings["offering"].platform_id
    elsewhere = factories.BookingFactory()
    db.session.commit()
    auth.as_(operator)
    page = client.get("/my/calendar/feeds").get_data(as_text=True)
    assert "淄博新材料中试基地 的全部预约日程" in page
    cal = parse(client, create_feed(client, platform_id))
    assert "淄博新材料中试基地" in str(cal["x-wr-calname"])
    found = events(cal)
    refs = {bookings[k].ref for k in ("accepted", "requested", "cancelled", "other")}
    assert {uid.split("@")[0] for uid in found if not uid.startswith("block-")} == refs
    assert elsewhere.ref + "@localhost" not in found
    other = found[bookings["other"].ref + "@localhost"]
    assert bookings["other"].organization.name in str(other["summary"])
    block = found[f"block-{bookings['block'].id}@localhost"]
    assert "设备年度维护" in str(block["summary"]) and block.decoded("dtstart") == bookings["block"].start_at


def test_nobody_makes_a_feed_of_another_platform(client, auth, db, bookings):
    outsider = factories.UserFactory(role="operator")
    db.session.commit()
    auth.as_(outsider)
    platform_id = bookings["offering"].platform_id
    assert client.post("/my/calendar/feeds/new", data={"platform_id": str(platform_id)}).status_code == 404
    assert client.post("/my/calendar/feeds/new", data={"platform_id": "99999999999"}).status_code == 404
    auth.as_(bookings["firm"])
    assert client.post("/my/calendar/feeds/new", data={"platform_id": str(platform_id)}).status_code == 404
    assert db.session.scalar(select(CalendarFeed)) is None
    # an operator's own feed holds the events they registered for, never a firm's bookings
    auth.as_(outsider)
    assert events(parse(client, create_feed(client))) == {}
