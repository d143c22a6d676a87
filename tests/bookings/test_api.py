"""Booking API: requests, life cycle, reviews and outcomes, blocked periods, availability and the
offerings' booking settings; refusals are 401 without a token, 404 for other people's objects, 409
naming the conflicting time, 422 naming the field."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from marketplace.accounts.services import create_api_token
from marketplace.bookings.models import Booking
from tests import factories
from tests.factories import local_day

HOURS = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)]


def headers_for(db, user) -> dict:
    _, token = create_api_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def reactor(db):
    """Two identical reactors booked by the hour, 08:00-18:00 every day; the operator accepts."""
    offering = factories.OfferingFactory(
        price_unit="hour", price_amount=300.0, booking_capacity=2, opening_hours=HOURS
    )
    db.session.commit()
    return offering


@pytest.fixture
def firm(db):
    user = factories.UserFactory(role="firm")
    return user, headers_for(db, user)


@pytest.fixture
def operator(db, reactor):
    user = factories.UserFactory(role="operator", organization=reactor.platform.organization)
    return user, headers_for(db, user)


def window(day: int, start: int, end: int) -> dict:
    return {"start": local_day(day, start).isoformat(), "end": local_day(day, end).isoformat()}


def request(client, offering, headers, day=5, start=9, end=12, **extra):
    body = {"offering_ref": offering.ref, **window(day, start, end), **extra}
    return client.post("/api/v1/bookings", json=body, headers=headers)


def act(client, ref, headers, action, reason=None):
    body = {"action": action} if reason is None else {"action": action, "reason": reason}
    return client.post(f"/api/v1/bookings/{ref}/transitions", json=body, headers=headers)


# ---------------------------------------------------------------- offerings' booking settings

SETTINGS = {
    "bookable": True,
    "booking_capacity": 2,
    "auto_confirm": True,
    "min_notice_hours": 48,
    "max_advance_days": 60,
    "min_hours": 2,
    "max_hours": 8,
    "opening_hours": [
        {"weekday": 0, "start": "08:30", "end": "17:30"},
        {"weekday": 5, "start": "00:00", "end": "24:00"},
    ],
}


def test_offerings_carry_their_booking_settings(client, db, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization)
    headers = headers_for(db, operator_user)
    new = {
        "platform_id": platform.id,
        "kind": "equipment",
        "title": "50 L 反应釜",
        "domains": ["高端化工"],
        "price": {"amount": 300, "unit": "hour"},
        **SETTINGS,
    }
    created = client.post("/api/v1/offerings", json=new, headers=headers)
    assert created.status_code == 201, created.json
    shown = client.get(f"/api/v1/offerings/{created.json['id']}").json
    assert {k: shown[k] for k in SETTINGS} == {**SETTINGS, "min_hours": 2.0, "max_hours": 8.0}

    changed = client.patch(
        f"/api/v1/offerings/{created.json['id']}",
        json={"booking_capacity": 3, "auto_confirm": False, "opening_hours": HOURS[:1]},
        headers=headers,
    )
    assert changed.status_code == 200, changed.json
    shown = client.get(f"/api/v1/offerings/{created.json['id']}").json
    assert (shown["booking_capacity"], shown["auto_confirm"], shown["opening_hours"]) == (3, False, HOURS[:1])


@pytest.mark.parametrize(
    "change, field",
    [
        ({"booking_capacity": 0}, "booking_capacity"),
        ({"min_notice_hours": -1}, "min_notice_hours"),
        ({"opening_hours": [{"weekday": 7, "start": "08:00", "end": "12:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "start": "08:00", "end": "25:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "start": "12:00", "end": "08:00"}]}, "opening_hours"),
        ({"min_hours": 8, "max_hours": 2}, "max_hours"),
    ],
)
def test_bad_booking_settings_are_refused_naming_the_field(client, db, operator, reactor, change, field):
    _, headers = operator
    response = client.patch(f"/api/v1/offerings/{reactor.id}", json=change, headers=headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert client.get(f"/api/v1/offerings/{reactor.id}").json["booking_capacity"] == 2


def test_services_cannot_be_made_bookable(client, db, operator, reactor):
    _, headers = operator
    service = factories.OfferingFactory(
        platform=reactor.platform, kind="service", is_bookable=False, opening_hours=[]
    )
    db.session.commit()
    response = client.patch(f"/api/v1/offerings/{service.id}", json={"bookable": True}, headers=headers)
    assert response.status_code == 422
    assert "bookable" in response.json["errors"]["json"]


# ---------------------------------------------------------------- requests and their life cycle


def test_a_firm_requests_a_window_and_the_platform_accepts_it(client, db, reactor, firm, operator):
    user, headers = firm
    _, operator_headers = operator
    response = request(client, reactor, headers, quantity=2, note="需要氮气保护")
    assert response.status_code == 201, response.json
    booking = response.json
    assert (booking["status"], booking["price"], booking["price_unit"]) == ("requested", 1800.0, "hour")
    assert booking["start"] == local_day(5, 9).isoformat() and booking["start"].endswith("+08:00")
    assert booking["offering_ref"] == reactor.ref and booking["platform"]["name"] == reactor.platform.name
    assert booking["organization"]["name"] == user.organization.name
    assert booking["allowed_actions"] == ["cancel"] and booking["note"] == "需要氮气保护"

    seen = client.get(f"/api/v1/bookings/{booking['ref']}", headers=operator_headers).json
    assert set(seen["allowed_actions"]) == {"accept", "decline", "cancel"}
    accepted = act(client, booking["ref"], operator_headers, "accept")
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted" and accepted.json["responded_at"]
    assert db.session.scalar(db.select(Booking.status).where(Booking.ref == booking["ref"])) == "accepted"

    mine = client.get("/api/v1/bookings?status=accepted&kind=booking", headers=headers).json
    assert [b["ref"] for b in mine["items"]] == [booking["ref"]] and mine["total"] == 1
    assert client.get("/api/v1/bookings?status=requested", headers=headers).json["total"] == 0
    platform_side = client.get("/api/v1/bookings", headers=operator_headers).json
    assert [b["ref"] for b in platform_side["items"]] == [booking["ref"]]


def test_auto_confirmed_requests_are_accepted_at_once_and_a_taken_window_is_a_409(client, db, reactor):
    reactor.auto_confirm, reactor.booking_capacity = True, 1
    db.session.commit()
    first = request(client, reactor, headers_for(db, factories.UserFactory()), start=9, end=12)
    assert first.status_code == 201 and first.json["status"] == "accepted"
    second = request(client, reactor, headers_for(db, factories.UserFactory()), start=11, end=13)
    assert second.status_code == 409
    message = second.json["errors"]["json"]["start"][0]
    day = local_day(5).strftime("%Y-%m-%d")
    assert f"{day} 11:00 至 {day} 12:00" in message and "仅剩 0 台/套可约" in message
    # back to back with the first: allowed
    third = request(client, reactor, headers_for(db, factories.UserFactory()), start=12, end=14)
    assert third.status_code == 201 and third.json["status"] == "accepted"
    assert db.session.scalar(db.select(db.func.count(Booking.id))) == 2


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"start": "明天上午九点"}, "start", "ISO 8601"),
        ({"start": local_day(5, 9).replace(tzinfo=None).isoformat()}, "start", "时区"),
        ({"end": "2026-13-40T09:00:00+08:00"}, "end", "ISO 8601"),
        ({"quantity": 0}, "quantity", "应大于或等于 1"),
        ({"quantity": 3}, "quantity", "1 到 2"),
        ({**window(5, 19, 21)}, "start", "开放时间"),
        ({**window(5, 12, 9)}, "end", "晚于"),
        ({**window(0, 9, 12)}, "start", "提前 24 小时"),
        ({"offering_ref": "off-missing"}, "offering_ref", "不存在"),
        ({"note": "长" * 2001}, "note", ""),
    ],
)
def test_bad_requests_are_422_naming_the_field(client, db, reactor, firm, change, field, words):
    _, headers = firm
    body = {"offering_ref": reactor.ref, **window(5, 9, 12), **change}
    response = client.post("/api/v1/bookings", json=body, headers=headers)
    assert response.status_code == 422, response.json
    assert words in " ".join(response.json["errors"]["json"][field])
    assert db.session.scalar(db.select(db.func.count(Booking.id))) == 0


def test_only_firms_request_bookings(client, db, reactor, operator):
    _, headers = operator
    response = request(client, reactor, headers)
    assert response.status_code == 403 and "企业" in response.json["message"]


def test_an_accept_beyond_capacity_is_a_409_and_the_wrong_side_cannot_act(client, db, reactor, operator):
    reactor.booking_capacity = 1
    db.session.commit()
    _, operator_headers = operator
    firm_headers = headers_for(db, factories.UserFactory())
    refs = [request(client, reactor, firm_headers, start=9 + i, end=12 + i).json["ref"] for i in range(2)]
    assert act(client, refs[0], firm_headers, "accept").status_code == 409  # the firm's side cannot
    assert act(client, refs[0], operator_headers, "accept").status_code == 200
    refused = act(client, refs[1], operator_headers, "accept")
    assert refused.status_code == 409
    day = local_day(5).strftime("%Y-%m-%d")
    assert f"{day} 10:00 至 {day} 12:00" in refused.json["errors"]["json"]["start"][0]
    assert client.get(f"/api/v1/bookings/{refs[1]}", headers=firm_headers).json["status"] == "requested"
    declined = act(client, refs[1], operator_headers, "decline")
    assert declined.status_code == 422 and "reason" in declined.json["errors"]["json"]
    declined = act(client, refs[1], operator_headers, "decline", "该时段已满")
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    assert act(client, refs[1], operator_headers, "accept").status_code == 409  # declined stays declined


def test_cancelling_after_the_start_is_a_409(client, db, freeze_now, reactor, firm):
    user, headers = firm
    booking = factories.BookingFactory(offering=reactor, requested_by=user)
    db.session.commit()
    freeze_now(booking.start_at + timedelta(hours=1))
    refused = act(client, booking.ref, headers, "cancel", "计划有变")
    assert refused.status_code == 409 and "开始后不能取消" in refused.json["errors"]["json"]["status"][0]


def test_the_whole_life_cycle_with_review_reply_and_outcome(client, db, freeze_now, reactor, firm, operator):
    _, headers = firm
    _, operator_headers = operator
    sent = request(client, reactor, headers).json
    ref = sent["ref"]
    assert act(client, ref, operator_headers, "accept").json["status"] == "accepted"
    early = client.post(f"/api/v1/bookings/{ref}/review", json={"rating": 5}, headers=headers)
    assert early.status_code == 409 and "完成后" in early.json["errors"]["json"]["rating"][0]
    assert act(client, ref, operator_headers, "start").status_code == 409  # not before its day
    freeze_now(datetime.fromisoformat(sent["start"]))
    assert act(client, ref, operator_headers, "start").json["status"] == "in_progress"
    assert act(client, ref, operator_headers, "complete").status_code == 422  # needs its report
    done = act(client, ref, operator_headers, "complete", "三批次发酵完成，数据已上传。")
    assert done.json["status"] == "completed" and done.json["completion_report"].startswith("三批次")
    assert done.json["completed_at"] is not None
    assert act(client, ref, headers, "confirm").json["status"] == "confirmed"

    rated = client.post(
        f"/api/v1/bookings/{ref}/review", json={"rating": 4, "comment": "响应及时"}, headers=headers
    )
    assert rated.status_code == 201 and rated.json["review"]["rating"] == 4
    again = client.post(f"/api/v1/bookings/{ref}/review", json={"rating": 1}, headers=headers)
    assert again.status_code == 409
    assert (
        client.post(f"/api/v1/bookings/{ref}/review", json={"rating": 6}, headers=headers).status_code == 422
    )
    wrong_side = client.post(f"/api/v1/bookings/{ref}/review/reply", json={"reply": "谢谢"}, headers=headers)
    assert wrong_side.status_code == 409
    reply = client.post(
        f"/api/v1/bookings/{ref}/review/reply", json={"reply": "感谢评价"}, headers=operator_headers
    )
    assert reply.status_code == 200 and reply.json["review"]["reply"] == "感谢评价"
    twice = client.post(
        f"/api/v1/bookings/{ref}/review/reply", json={"reply": "再次"}, headers=operator_headers
    )
    assert twice.status_code == 409

    outcome = client.put(
        f"/api/v1/bookings/{ref}/outcome", json={"outcome": "ongoing", "note": "正在放大"}, headers=headers
    )
    assert outcome.status_code == 200 and outcome.json["outcome"] == "ongoing"
    updated = client.put(f"/api/v1/bookings/{ref}/outcome", json={"outcome": "production"}, headers=headers)
    assert updated.json["outcome"] == "production"
    bad = client.put(f"/api/v1/bookings/{ref}/outcome", json={"outcome": "maybe"}, headers=headers)
    assert bad.status_code == 422 and "outcome" in bad.json["errors"]["json"]
    by_platform = client.put(
        f"/api/v1/bookings/{ref}/outcome", json={"outcome": "repeat"}, headers=operator_headers
    )
    assert by_platform.status_code == 409


# ---------------------------------------------------------------- permissions


ENDPOINTS = [
    ("get", "/api/v1/bookings", None),
    ("post", "/api/v1/bookings", {}),
    ("get", "/api/v1/bookings/{ref}", None),
    ("post", "/api/v1/bookings/{ref}/transitions", {"action": "cancel", "reason": "x"}),
    ("post", "/api/v1/bookings/{ref}/review", {"rating": 5}),
    ("post", "/api/v1/bookings/{ref}/review/reply", {"reply": "x"}),
    ("put", "/api/v1/bookings/{ref}/outcome", {"outcome": "ongoing"}),
    ("get", "/api/v1/offerings/{offering}/blocks", None),
    ("post", "/api/v1/offerings/{offering}/blocks", {**window(30, 8, 9), "reason": "维护"}),
    ("delete", "/api/v1/offerings/{offering}/blocks/{block}", None),
]


@pytest.mark.parametrize("method, path, body", ENDPOINTS)
def test_every_booking_endpoint_needs_a_token(client, db, method, path, body):
    booking = factories.BookingFactory(status="confirmed")
    block = factories.OfferingBlockFactory(offering=booking.offering)
    db.session.commit()
    url = path.format(ref=booking.ref, offering=booking.offering_id, block=block.id)
    response = getattr(client, method)(url, json=body)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("method, path, body", ENDPOINTS[2:])
def test_other_peoples_bookings_and_offerings_are_404(client, db, method, path, body):
    booking = factories.BookingFactory(status="confirmed")
    factories.ReviewFactory(booking=booking)
    block = factories.OfferingBlockFactory(offering=booking.offering)
    db.session.commit()
    url = path.format(ref=booking.ref, offering=booking.offering_id, block=block.id)
    strangers = [factories.UserFactory(role="firm"), factories.UserFactory(role="operator")]
    for stranger in strangers:
        response = getattr(client, method)(url, json=body, headers=headers_for(db, stranger))
        assert response.status_code == 404, (stranger.role, response.json)
        assert booking.organization.name not in response.get_data(as_text=True)
    assert db.session.get(Booking, booking.id).outcome is None
    assert client.get("/api/v1/bookings", headers=headers_for(db, strangers[0])).json["total"] == 0


def test_administrators_see_every_booking_but_act_on_none(client, db, admin_user):
    booking = factories.BookingFactory()
    db.session.commit()
    headers = headers_for(db, admin_user)
    assert client.get("/api/v1/bookings", headers=headers).json["total"] == 1
    shown = client.get(f"/api/v1/bookings/{booking.ref}", headers=headers).json
    assert shown["allowed_actions"] == []
    assert act(client, booking.ref, headers, "cancel", "管理员").status_code == 409


# ---------------------------------------------------------------- blocked periods and availability


def test_operators_block_periods_and_everyone_sees_them_in_the_availability(
    client, db, reactor, firm, operator
):
    _, headers = firm
    _, operator_headers = operator
    blocks = f"/api/v1/offerings/{reactor.id}/blocks"
    created = client.post(
        blocks, json={**window(6, 8, 12), "reason": "设备年度维护"}, headers=operator_headers
    )
    assert created.status_code == 201, created.json
    assert created.json["start"] == local_day(6, 8).isoformat() and created.json["reason"] == "设备年度维护"
    listed = client.get(blocks, headers=operator_headers).json
    assert [b["id"] for b in listed["items"]] == [created.json["id"]]

    over = request(client, reactor, headers, day=6, start=10, end=13)
    assert over.status_code == 409 and "设备年度维护" in over.json["errors"]["json"]["start"][0]

    accepted = factories.BookingFactory(
        offering=reactor, start_at=local_day(5, 9), end_at=local_day(5, 12), quantity=2
    )
    db.session.commit()
    clash = client.post(blocks, json={**window(5, 11, 14), "reason": "内部使用"}, headers=operator_headers)
    assert clash.status_code == 409
    day = local_day(5).strftime("%Y-%m-%d")
    assert f"{day} 09:00 至 {day} 12:00" in clash.json["errors"]["json"]["start"][0]
    assert client.post(blocks, json={**window(5, 11, 14)}, headers=operator_headers).status_code == 422

    span = {"start": local_day(5).isoformat(), "end": local_day(7).isoformat()}
    shown = client.get(f"/api/v1/offerings/{reactor.id}/availability", query_string=span)
    assert shown.status_code == 200, shown.json
    body = shown.json
    assert body["booked"] == [{"start": local_day(5, 9).isoformat(), "end": local_day(5, 12).isoformat()}]
    assert body["blocked"] == [
        {"start": local_day(6, 8).isoformat(), "end": local_day(6, 12).isoformat(), "reason": "设备年度维护"}
    ]
    assert {"start": local_day(5, 12).isoformat(), "end": local_day(5, 18).isoformat(), "free_units": 2} in (
        body["free"]
    )
    assert {"start": local_day(6, 12).isoformat(), "end": local_day(6, 18).isoformat(), "free_units": 2} in (
        body["free"]
    )
    assert accepted.organization.name not in shown.get_data(as_text=True)

    removed = client.delete(f"{blocks}/{created.json['id']}", headers=operator_headers)
    assert removed.status_code == 204
    assert client.get(blocks, headers=operator_headers).json["total"] == 0
    assert request(client, reactor, headers, day=6, start=10, end=13).status_code == 201


def test_a_block_of_another_offering_is_404(client, db, reactor, operator):
    _, headers = operator
    other = factories.OfferingFactory(platform=reactor.platform)
    block = factories.OfferingBlockFactory(offering=other)
    db.session.commit()
    assert (
        client.delete(f"/api/v1/offerings/{reactor.id}/blocks/{block.id}", headers=headers).status_code == 404
    )
    assert (
        client.delete(f"/api/v1/offerings/{other.id}/blocks/{block.id}", headers=headers).status_code == 204
    )


@pytest.mark.parametrize(
    "span, field",
    [
        ({"start": local_day(5).isoformat(), "end": local_day(100).isoformat()}, "end"),
        ({"start": local_day(5).isoformat(), "end": local_day(4).isoformat()}, "end"),
        ({"start": local_day(5).replace(tzinfo=None).isoformat(), "end": local_day(6).isoformat()}, "start"),
        ({"start": "soon", "end": local_day(6).isoformat()}, "start"),
        ({"end": local_day(6).isoformat()}, "start"),
        ({"start": local_day(5).isoformat(), "end": local_day(6).isoformat(), "who": "x"}, "who"),
    ],
)
def test_availability_ranges_are_bounded_and_need_offsets(client, db, reactor, span, field):
    response = client.get(f"/api/v1/offerings/{reactor.id}/availability", query_string=span)
    assert response.status_code == 422
    assert field in response.json["errors"]["query"]


def test_availability_of_offerings_that_are_not_bookable_or_not_public_is_404(client, db, reactor):
    span = {"start": local_day(5).isoformat(), "end": local_day(6).isoformat()}
    plain = factories.OfferingFactory(is_bookable=False)
    paused = factories.OfferingFactory(status="paused")
    db.session.commit()
    for offering in (plain, paused):
        assert (
            client.get(f"/api/v1/offerings/{offering.id}/availability", query_string=span).status_code == 404
        )


def test_the_openapi_document_describes_the_booking_endpoints_and_their_refusals(client, db):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    post = paths["/api/v1/bookings"]["post"]
    assert {"201", "401", "409", "422"} <= set(post["responses"])
    assert set(spec["components"]["schemas"]["BookingCreate"]["required"]) == {"offering_ref", "start", "end"}
    transitions = paths["/api/v1/bookings/{ref}/transitions"]["post"]
    assert {"200", "401", "404", "409", "422"} <= set(transitions["responses"])
    action = spec["components"]["schemas"]["TransitionIn"]["properties"]["action"]
    assert set(action["enum"]) == {"accept", "decline", "cancel", "start", "complete", "confirm", "no_show"}
    assert "409" in paths["/api/v1/offerings/{offering_id}/blocks"]["post"]["responses"]
    assert "delete" in paths["/api/v1/offerings/{offering_id}/blocks/{block_id}"]
    assert "/api/v1/offerings/{offering_id}/availability" in paths
    assert "put" in paths["/api/v1/bookings/{ref}/outcome"]
    offering = spec["components"]["schemas"]["OfferingUpdate"]["properties"]
    assert {"booking_capacity", "auto_confirm", "opening_hours", "min_notice_hours"} <= set(offering)
