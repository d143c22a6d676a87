"""Operators set up online booking in the offering form: capacity, 即时预约, notice, lengths and opening
hours as one row per weekday, without JavaScript; messages beside the fields."""

from __future__ import annotations

import pytest

from marketplace.offerings.forms import format_day_hours, parse_day_hours
from tests import factories
from tests.html import field_errors

ROWS = {f"opening_hours-{d}": "" for d in range(7)}


@pytest.fixture
def offering(db):
    offering = factories.OfferingFactory(
        is_bookable=False, price_unit="hour", price_amount=300.0, opening_hours=[]
    )
    db.session.commit()
    return offering


@pytest.fixture
def operator(db, offering):
    user = factories.UserFactory(role="operator", organization=offering.platform.organization)
    db.session.commit()
    return user


def _form(offering, **overrides):
    data = {
        "kind": offering.kind,
        "title": offering.title,
        "domains": list(offering.domains),
        "price_amount": "300",
        "price_unit": "hour",
        "is_bookable": "y",
        "booking_capacity": "2",
        "min_notice_hours": "48",
        "max_advance_days": "90",
        "min_hours": "2",
        "max_hours": "8",
        **ROWS,
        "opening_hours-0": "08:30-12:00, 13:30-17:30",
        "opening_hours-5": "全天",
        "opening_hours-6": "休息",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("", []),
        ("休息", []),
        ("全天", [("00:00", "24:00")]),
        ("8:30-17:30", [("08:30", "17:30")]),
        ("08:30-12:00，13:30～17:30", [("08:30", "12:00"), ("13:30", "17:30")]),
        ("8-12; 13:00 - 24:00", [("08:00", "12:00"), ("13:00", "24:00")]),
    ],
)
def test_a_weekday_row_is_read_as_written(text, rules):
    parsed, problem = parse_day_hours(text, 2)
    assert problem is None
    assert [(r["start"], r["end"]) for r in parsed] == rules
    assert all(r["weekday"] == 2 for r in parsed)


@pytest.mark.parametrize("text", ["上午", "08:30", "17:00-08:00", "25:00-26:00", "08:30-12:00 其他"])
def test_an_unreadable_row_names_its_day(text):
    parsed, problem = parse_day_hours(text, 1)
    assert parsed == [] and problem.startswith("周二：")


def test_rows_round_trip():
    rules = [
        {"weekday": 0, "start": "13:30", "end": "17:30"},
        {"weekday": 0, "start": "08:30", "end": "12:00"},
    ]
    assert format_day_hours(rules, 0) == "08:30-12:00, 13:30-17:30"
    assert format_day_hours([{"weekday": 6, "start": "00:00", "end": "24:00"}], 6) == "全天"


def test_the_operator_saves_the_booking_settings(client, auth, db, offering, operator):
    auth.as_(operator)
    page = client.get(f"/my/offerings/{offering.id}").get_data(as_text=True)
    assert "可在线预约" in page and 'name="opening_hours-6"' in page and "按整天预约" in page
    client.post(f"/my/offerings/{offering.id}", data=_form(offering, auto_confirm="y"))
    db.session.refresh(offering)
    assert (offering.is_bookable, offering.auto_confirm, offering.booking_capacity) == (True, True, 2)
    assert (offering.min_notice_hours, offering.max_advance_days, offering.min_hours, offering.max_hours) == (
        48,
        90,
        2.0,
        8.0,
    )
    assert offering.opening_hours == [
        {"weekday": 0, "start": "08:30", "end": "12:00"},
        {"weekday": 0, "start": "13:30", "end": "17:30"},
        {"weekday": 5, "start": "00:00", "end": "24:00"},
    ]
    page = client.get(f"/my/offerings/{offering.id}").get_data(as_text=True)
    assert 'value="08:30-12:00, 13:30-17:30"' in page and 'value="全天"' in page
    assert f"/my/offerings/{offering.id}/blocks" in page


def test_messages_beside_the_fields_and_the_input_kept(client, auth, db, offering, operator):
    auth.as_(operator)
    data = _form(offering, **{"opening_hours-1": "早上八点", "max_hours": "1", "booking_capacity": ""})
    page = client.post(f"/my/offerings/{offering.id}", data=data).get_data(as_text=True)
    errors = field_errors(page)
    assert any("周二：无法识别“早上八点”" in m for m in errors["opening_hours"])
    assert any("请填写可同时预约数量" in m for m in errors["booking_capacity"])
    assert errors["max_hours"] == ["最长预约时长不能短于最短预约时长。"]
    assert 'value="早上八点"' in page
    db.session.refresh(offering)
    assert not offering.is_bookable


def test_whole_day_offerings_open_whole_days_only(client, auth, db, offering, operator):
    auth.as_(operator)
    data = _form(offering, price_amount="1200", price_unit="day", min_hours="", max_hours="")
    page = client.post(f"/my/offerings/{offering.id}", data=data).get_data(as_text=True)
    assert any("只能是“全天”或“休息”（周一）" in m for m in field_errors(page)["opening_hours"])
    client.post(f"/my/offerings/{offering.id}", data={**data, "opening_hours-0": "全天"})
    db.session.refresh(offering)
    assert offering.is_bookable and offering.price_unit == "day"


def test_services_are_not_bookable(client, auth, db, operator, offering):
    service = factories.OfferingFactory(platform=offering.platform, kind="service", is_bookable=False)
    db.session.commit()
    auth.as_(operator)
    page = client.post(f"/my/offerings/{service.id}", data=_form(service, kind="service")).get_data(
        as_text=True
    )
    assert field_errors(page)["is_bookable"] == ["中试服务通过咨询与报价对接，不支持按时段预约。"]


def test_blank_rows_of_a_bookable_offering_get_the_default_hours(client, auth, db, offering, operator):
    auth.as_(operator)
    client.post(f"/my/offerings/{offering.id}", data={**_form(offering), **ROWS})
    db.session.refresh(offering)
    assert offering.effective_opening_hours[0] == {"weekday": 0, "start": "08:30", "end": "17:30"}
    assert len(offering.effective_opening_hours) == 5
