"""Hostile or careless API requests: 401 before the body is read, 405 with Allow, NUL characters and
huge integers refused by field, nested JSON refused, every message in Chinese."""

import re

import pytest
from sqlalchemy import func, select

from marketplace.accounts.services import create_api_token
from marketplace.core.inputs import NUL_MESSAGE
from marketplace.offerings.models import Offering
from tests import factories


@pytest.fixture
def operator_token(db, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization)
    offering = factories.OfferingFactory(platform=platform)
    _, token = create_api_token(operator_user, "tests")
    db.session.commit()
    return platform, offering, {"Authorization": f"Bearer {token}"}


NEW = {
    "kind": "equipment",
    "title": "200 L 高压加氢釜",
    "domains": ["高端化工"],
    "price": {"negotiable": True},
}


def test_the_token_is_checked_before_the_body_or_the_query(app, client, db):
    spec = client.get("/api/v1/openapi.json").json
    secured = [
        (
            method,
            re.sub(r"\{(\w+)\}", lambda m: "1" if m[1].endswith("_id") or m[1] == "year" else "dem-1", path),
        )
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and operation.get("security")
    ]
    assert ("post", "/api/v1/offerings") in secured and ("get", "/api/v1/demands/dem-1/matches") in secured
    for method, path in secured:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = client.open(
                path + "?limit=oops", method=method.upper(), json={"nonsense": True}, headers=headers
            )
            assert response.status_code == 401, (method, path, response.json)
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert "令牌" in response.json["message"]


@pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE", "PROPFIND"])
def test_unsupported_methods_answer_405_with_allow(client, db, method):
    response = client.open("/api/v1/offerings", method=method)
    assert response.status_code == 405 and response.is_json
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.json["message"] == "不支持的请求方式。"
    page = client.open("/offerings", method=method)
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
    assert "不支持的请求方式" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "body,field",
    [
        ({**NEW, "title": "加氢\x00釜"}, "title"),
        ({**NEW, "description": "\x00"}, "description"),
        ({**NEW, "specs": {"容积\x00": "500 L"}}, "specs"),
        ({**NEW, "specs": {"容积": "500\x00 L"}}, "specs"),
        ({**NEW, "model": "K\x00"}, "model"),
        ({**NEW, "price": {"amount": 5, "unit": "day\x00"}}, "price"),
    ],
)
def test_nul_in_a_json_body_is_refused_naming_the_field(client, db, operator_token, body, field):
    platform, offering, headers = operator_token
    response = client.post("/api/v1/offerings", json={**body, "platform_id": platform.id}, headers=headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert NUL_MESSAGE in messages_of(response.json["errors"]["json"][field])
    assert db.session.scalar(select(func.count(Offering.id))) == 1
    update = {k: v for k, v in body.items() if k not in ("kind",)}
    response = client.patch(f"/api/v1/offerings/{offering.id}", json=update, headers=headers)
    assert response.status_code == 422 and field in response.json["errors"]["json"]


def test_nul_in_a_search_body_is_refused(client, db):
    response = client.post("/api/v1/search", json={"q": "发酵\x00"})
    assert response.status_code == 422 and NUL_MESSAGE in response.json["errors"]["json"]["q"]


@pytest.mark.parametrize(
    "field,value",
    [("quantity", 10**30), ("quantity", 2**31), ("lead_time_days", 10**30), ("platform_id", 10**30)],
)
def test_integers_in_json_beyond_the_database_range_are_refused(client, db, operator_token, field, value):
    platform, offering, headers = operator_token
    body = {**NEW, "platform_id": platform.id, field: value}
    response = client.post("/api/v1/offerings", json=body, headers=headers)
    assert response.status_code == 422 and field in response.json["errors"]["json"]
    if field != "platform_id":
        response = client.patch(f"/api/v1/offerings/{offering.id}", json={field: value}, headers=headers)
        assert response.status_code == 422 and field in response.json["errors"]["json"]


def test_deeply_nested_or_broken_json_is_a_400_in_chinese(client, db, operator_token):
    _, offering, headers = operator_token
    for body, message in (("[" * 5000, "JSON 嵌套层数过多。"), ("{nope", "请求体不是有效的 JSON。")):
        for method, path in (("POST", "/api/v1/offerings"), ("PATCH", f"/api/v1/offerings/{offering.id}")):
            response = client.open(
                path, method=method, data=body, content_type="application/json", headers=headers
            )
            assert response.status_code == 400 and response.json["message"] == message


#: English that may stay in a message: names of fields and values the client sends.
ALLOWED_WORDS = {"amount", "unit", "negotiable", "true", "false", "null", "JSON", "YYYY", "Bearer", "NaN"}


def messages_of(errors) -> list[str]:
    if isinstance(errors, str):
        return [errors]
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in messages_of(value)]
    return [m for value in errors for m in messages_of(value)]


def test_validation_messages_are_in_chinese(client, db, operator_token):
    platform, offering, headers = operator_token
    requests = [
        ("GET", "/api/v1/offerings?kind=robot&per_page=1000&page=0&platform_id=x&price_min=-1&sort=z", None),
        ("GET", "/api/v1/search?scope=all&q=" + "x" * 201, None),
        ("GET", "/api/v1/demands/dem-1/matches?limit=0", None),
        ("POST", "/api/v1/offerings", {}),
        ("POST", "/api/v1/offerings", []),
        ("POST", "/api/v1/search", {"q": 5, "page": "x", "unknown": 1}),
        (
            "POST",
            "/api/v1/offerings",
            {
                "platform_id": "x",
                "kind": "robot",
                "title": "",
                "domains": "生物医药",
                "specs": [],
                "price": "free",
                "bookable": "maybe",
                "quantity": 1.5,
                "lead_time_days": -1,
                "area_m2": "NaN",
                "description": None,
                "status": "active",
            },
        ),
        (
            "PATCH",
            f"/api/v1/offerings/{offering.id}",
            {"domains": [], "price": {"amount": 1}, "title": "x" * 201},
        ),
    ]
    seen = []
    for method, path, body in requests:
        response = client.open(path, method=method, json=body, headers=headers)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        messages = [response.json["message"], *messages_of(response.json.get("errors", {}))]
        for message in messages:
            prose = message.split("应为以下之一：")[0]  # the choices that follow are values
            english = set(re.findall(r"[A-Za-z]{3,}", prose)) - ALLOWED_WORDS
            assert re.search(r"[\u4e00-\u9fff]", message) and not english, (path, message)
        seen += messages
    assert len(seen) > 25
