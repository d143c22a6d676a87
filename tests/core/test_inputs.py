"""The shared input rules (core/inputs.py): ids beyond the database's integers, NUL characters and
deeply nested JSON answer 404 or a clear 4xx on every route, form and query string, never 500."""

import re

import pytest
from flask import request
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest

from marketplace.accounts.models import ApiToken, User
from marketplace.core.inputs import INT_RANGE_MESSAGE, NUL_MESSAGE
from marketplace.demands.models import Demand
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform
from tests import factories

HUGE = "99999999999999999999"


def routes_with_ids(app):
    """Every (method, path) of the app whose rule has an integer id, the id replaced by HUGE."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:\w+>", HUGE, rule.rule)
        path = re.sub(r"<any\(([^,)]+)[^)]*\):\w+>", lambda m: m.group(1).strip(), path)
        path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_ids_beyond_the_database_integers_are_404_on_every_route(app, client, auth, db, admin_user):
    routes = routes_with_ids(app)
    assert ("GET", f"/offerings/{HUGE}") in routes and ("POST", f"/api/v1/offerings/{HUGE}/pause") in routes
    for signed_in in (False, True):
        if signed_in:
            auth.as_(admin_user)
        answers = {
            f"{method} {path}": client.open(path, method=method).status_code for method, path in routes
        }
        assert answers == dict.fromkeys(answers, 404)


@pytest.mark.parametrize("number", ["2147483648", "4294967296", "9223372036854775808", "1" + "0" * 5000])
def test_ids_just_beyond_the_range_or_absurdly_long_are_404(client, db, number):
    assert client.get(f"/offerings/{number}").status_code == 404
    assert client.get(f"/api/v1/platforms/{number}").status_code == 404


def test_page_numbers_and_ids_in_query_strings_are_bounded(client, db):
    for path in ("/offerings", "/platforms", "/demands", "/search"):
        assert client.get(f"{path}?page={HUGE}").status_code == 200
    response = client.get(f"/api/v1/offerings?page={HUGE}")
    assert response.status_code == 422 and "page" in response.json["errors"]["query"]
    for value in ("-1e22", "-10000000000000000000000", "2147483648"):
        response = client.get(f"/api/v1/offerings?platform_id={value}")
        assert response.status_code == 422, value
        assert "platform_id" in response.json["errors"]["query"]


def test_integers_in_forms_stay_within_the_database_range(client, auth, db, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization)
    db.session.commit()
    auth.as_(operator_user)
    form = {
        "kind": "equipment",
        "title": "反应釜",
        "domains": ["生物医药"],
        "price_unit": "",
        "quantity": HUGE,
    }
    response = client.post(f"/my/platforms/{platform.id}/offerings/new", data=form)
    assert response.status_code == 200 and INT_RANGE_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Offering.id))) == 0


def test_nul_in_a_path_or_query_string_is_refused_naming_the_parameter(client, db):
    for path in ("/offerings?certification=%00", "/search?q=a%00b", "/platforms?city=x&domain=%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert NUL_MESSAGE in response.get_data(as_text=True)
    assert "参数 domain" in client.get("/platforms?domain=%00").get_data(as_text=True)
    response = client.get("/api/v1/offerings?certification=%00")
    assert response.status_code == 400 and NUL_MESSAGE in response.json["message"]
    response = client.get("/api/v1/demands/dem-%00/matches")
    assert response.status_code == 400 and response.is_json


def _platform(user, db, **kwargs):
    platform = factories.PlatformFactory(organization=user.organization, **kwargs)
    db.session.commit()
    return platform


OFFERING = {"kind": "equipment", "title": "反应釜", "domains": ["生物医药"], "price_unit": ""}
DEMAND = {"title": "发酵放大", "description": "放大到 500 L", "domains": ["生物医药"], "kinds": ["equipment"]}
PLATFORM = {"name": "淄博连续流中试平台", "level": "省级", "city": "淄博", "domains": ["高端化工"]}
REGISTER = {
    "role": "firm",
    "name": "张三",
    "email": "new@example.cn",
    "password": "a long enough password",
    "confirm": "a long enough password",
    "org_name": "济南某公司",
    "org_kind": "enterprise",
    "org_city": "济南",
}

#: (who, url (may take the user and db), form data with a NUL somewhere, what must not have changed)
FORMS = {
    "login e-mail": (None, "/account/login", {"email": "a\x00@example.cn", "password": "whatever"}, None),
    "login next": (None, "/account/login", {"email": "a@example.cn", "password": "x", "next": "/\x00"}, None),
    "register name": (None, "/account/register", {**REGISTER, "name": "张\x00三"}, User),
    "register organisation": (None, "/account/register", {**REGISTER, "org_name": "济南\x00公司"}, User),
    "forgot password": (None, "/account/forgot", {"email": "x\x00@example.cn"}, None),
    "platform name": ("operator", "/my/platforms/new", {**PLATFORM, "name": "平台\x00"}, Platform),
    "platform certifications": (
        "operator",
        "/my/platforms/new",
        {**PLATFORM, "certifications": "C\x00"},
        Platform,
    ),
    "offering title": (
        "operator",
        lambda user, db: f"/my/platforms/{_platform(user, db).id}/offerings/new",
        {**OFFERING, "title": "反应\x00釜"},
        Offering,
    ),
    "offering specs": (
        "operator",
        lambda user, db: f"/my/platforms/{_platform(user, db).id}/offerings/new",
        {**OFFERING, "specs": "容积: 500\x00 L"},
        Offering,
    ),
    "demand description": ("firm", "/my/demands/new", {**DEMAND, "description": "需求\x00"}, Demand),
    "review reason": (
        "admin",
        lambda user, db: f"/admin/platforms/{_platform(factories.UserFactory(), db, status='submitted').id}",
        {"action": "return", "reason": "资料不全\x00"},
        None,
    ),
}


@pytest.mark.parametrize("case", FORMS)
def test_nul_in_any_form_field_is_refused_beside_the_form(
    client, auth, db, firm_user, operator_user, admin_user, case
):
    role, url, data, model = FORMS[case]
    user = {"firm": firm_user, "operator": operator_user, "admin": admin_user}.get(role)
    if user is not None:
        auth.as_(user)
    if callable(url):
        url = url(user, db)
    before = db.session.scalar(select(func.count(model.id))) if model else None
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert NUL_MESSAGE in response.get_data(as_text=True)
    if model is not None:
        assert db.session.scalar(select(func.count(model.id))) == before


def test_nul_in_an_api_token_name_is_refused_with_the_message(client, auth, db, firm_user):
    auth.as_(firm_user)
    response = client.post("/account/tokens", data={"name": "脚本\x00"}, follow_redirects=True)
    assert NUL_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_deeply_nested_json_is_a_400_not_a_recursion_error(app, client, db):
    nested = "[" * 5000
    response = client.post("/api/v1/search", data=nested, content_type="application/json")
    assert response.status_code == 400 and response.json["message"] == "JSON 嵌套层数过多。"
    with app.test_request_context("/", method="POST", data=nested, content_type="application/json"):
        with pytest.raises(BadRequest) as refused:
            request.get_json()
        assert refused.value.description == "JSON 嵌套层数过多。"


@pytest.mark.parametrize("body", ["[1, 2]", '"x"', "1", '{"email": 5, "password": []}', "[" * 5000])
@pytest.mark.parametrize("path", ["/account/login", "/account/register", "/account/forgot"])
def test_a_json_body_posted_to_a_page_is_an_empty_form(client, db, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 200 and "此项为必填项" in response.get_data(as_text=True)
