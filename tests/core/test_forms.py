"""Every form of the product: required fields are marked (asterisk, `required`, `aria-required`), and a
submission is refused in one round, the form's validators and the service's rules together."""

from __future__ import annotations

import pytest

from marketplace.accounts import services as account_services
from tests import factories
from tests.conftest import PASSWORD
from tests.html import cleared, field_errors, form_fields


def _operator_platform(db, operator):
    platform = factories.PlatformFactory(organization=operator.organization, status="draft")
    db.session.commit()
    return platform


def _submitted_platform(db, operator):
    platform = factories.PlatformFactory(organization=operator.organization, status="submitted")
    db.session.commit()
    return platform


def _offering(db, operator):
    offering = factories.OfferingFactory(
        platform=factories.PlatformFactory(organization=operator.organization)
    )
    db.session.commit()
    return offering


def _demand(db, firm):
    demand = factories.DemandFactory(organization=firm.organization)
    db.session.commit()
    return demand


def _reset_link(db, firm):
    from flask import url_for

    from marketplace.accounts.services import _reset_serializer

    token = _reset_serializer().dumps({"uid": firm.id, "h": firm.password_hash[-16:]})
    return url_for("accounts.reset_password", token=token, _external=False)


def _platform_edit(db, operator):
    return f"/my/platforms/{_operator_platform(db, operator).id}/edit"


def _offering_new(db, operator):
    return f"/my/platforms/{_operator_platform(db, operator).id}/offerings/new"


def _offering_edit(db, operator):
    return f"/my/offerings/{_offering(db, operator).id}"


def _demand_edit(db, firm):
    return f"/my/demands/{_demand(db, firm).id}/edit"


def _review(db, admin):
    return f"/admin/platforms/{_submitted_platform(db, factories.UserFactory(role='operator')).id}"


#: (who, page, the fields a user must fill there). `who`: None (anonymous) or a user fixture's name;
#: page: a path, or a function of (db, that user) giving one.
FORMS = [
    (None, "/account/register", {"role", "name", "email", "password", "confirm", "org_name", "org_kind"}),
    (None, "/account/login", {"email", "password"}),
    (None, "/account/forgot", {"email"}),
    ("firm_user", _reset_link, {"new_password", "confirm"}),
    ("firm_user", "/account/password", {"current_password", "new_password", "confirm"}),
    ("operator_user", "/my/platforms/new", {"name", "level", "city", "domains"}),
    ("operator_user", _platform_edit, {"name", "level", "city", "domains"}),
    ("operator_user", _offering_new, {"kind", "title", "domains"}),
    ("operator_user", _offering_edit, {"kind", "title", "domains"}),
    ("firm_user", "/my/demands/new", {"title", "description", "domains"}),
    ("firm_user", _demand_edit, {"title", "description", "domains"}),
    ("admin_user", _review, {"action"}),
]


def _open(request, client, auth, db, who, page):
    user = request.getfixturevalue(who) if who else None
    if user is not None:
        auth.as_(user)
    return page(db, user) if callable(page) else page


@pytest.mark.parametrize("who,page,required", FORMS)
def test_every_field_a_user_must_fill_is_marked_and_no_other(request, client, auth, db, who, page, required):
    url = _open(request, client, auth, db, who, page)
    html = client.get(url).get_data(as_text=True)
    fields = form_fields(html)
    assert {name for name, f in fields.items() if f.marked_required} >= required
    marked = {name for name, f in fields.items() if f.marked_anyhow}
    assert marked - {"file"} == required  # the upload form beside an offering: its file is required too
    assert "带 * 的为必填项" in html.replace('<span class="req">*</span>', "*")


@pytest.mark.parametrize("who,page,required", FORMS)
def test_an_empty_submission_names_every_required_field_in_one_round(
    request, client, auth, db, who, page, required
):
    url = _open(request, client, auth, db, who, page)
    fields = form_fields(client.get(url).get_data(as_text=True))
    fields.pop("file", None)  # the upload form beside an offering (below)
    response = client.post(url, data=cleared(fields))
    assert response.status_code == 200
    refused = set(field_errors(response.get_data(as_text=True)))
    always_chosen = {
        n for n, f in fields.items() if f.controls and "" not in f.controls[0].get("options", [""])
    }
    assert refused == required - always_chosen  # every field that must be filled says so now, only those


def test_the_upload_form_marks_its_file_and_refuses_an_empty_upload_with_a_message(
    client, auth, db, operator_user
):
    offering = _offering(db, operator_user)
    auth.as_(operator_user)
    fields = form_fields(client.get(f"/my/offerings/{offering.id}").get_data(as_text=True))
    assert fields["file"].marked_required
    page = client.post(f"/attachments/offering/{offering.id}", data={}, follow_redirects=True)
    assert "请选择要上传的文件" in page.get_data(as_text=True)


def test_the_platform_form_reports_the_service_rules_with_the_forms_own(client, auth, db, operator_user):
    """An empty platform form named only 平台名称, then 所属领域 on the next submit."""
    auth.as_(operator_user)
    errors = field_errors(client.post("/my/platforms/new", data={"city": "济南"}).get_data(as_text=True))
    assert set(errors) == {"name", "level", "domains"}


def test_registration_reports_password_length_and_credit_code_with_the_missing_fields(client, db):
    """Registration hid the password length and the 统一社会信用代码 check until the rest was filled."""
    factories.UserFactory(email="taken@example.cn")
    db.session.commit()
    response = client.post(
        "/account/register",
        data={
            "role": "firm",
            "email": "taken@example.cn",
            "password": "short",
            "confirm": "short",
            "org_kind": "enterprise",
            "org_city": "济南",
            "credit_code": "91350100M000100Y44",
        },
    )
    errors = field_errors(response.get_data(as_text=True))
    assert errors["name"] == ["此项为必填项。"] and errors["org_name"] == ["此项为必填项。"]
    assert errors["password"] == ["密码至少需要 8 个字符。"]
    assert "统一社会信用代码无效" in errors["credit_code"][0]
    assert errors["email"] == ["该邮箱已注册。"]


def test_a_password_change_reports_a_wrong_current_password_and_a_short_new_one_together(
    client, auth, db, firm_user
):
    auth.as_(firm_user)
    response = client.post(
        "/account/password", data={"current_password": "wrong", "new_password": "short", "confirm": "other"}
    )
    errors = field_errors(response.get_data(as_text=True))
    assert errors["current_password"] == ["当前密码不正确。"]
    assert errors["new_password"] == ["密码至少需要 8 个字符。"]
    assert errors["confirm"] == ["两次输入的密码不一致。"]
    assert account_services.authenticate(firm_user.email, PASSWORD, "test")  # unchanged


def test_a_reset_with_a_dead_link_says_so_first(client, db, firm_user):
    """A dead link cannot be used whatever the password: the user is sent to ask for a new one."""
    response = client.post(
        "/account/reset/not-a-token",
        data={"new_password": "short", "confirm": "short"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "重置链接无效，请重新申请。" in html and "发送重置链接" in html


def test_the_offering_form_reports_every_problem_at_once(client, auth, db, operator_user):
    platform = _operator_platform(db, operator_user)
    auth.as_(operator_user)
    response = client.post(
        f"/my/platforms/{platform.id}/offerings/new",
        data={"kind": "equipment", "specs": "防爆", "price_amount": "100", "price_unit": ""},
    )
    assert set(field_errors(response.get_data(as_text=True))) == {"title", "domains", "specs", "price_unit"}


def test_the_demand_form_reports_dates_and_deadline_with_the_missing_fields(client, auth, db, firm_user):
    auth.as_(firm_user)
    response = client.post(
        "/my/demands/new",
        data={
            "window_start": "2099-06-01",
            "window_end": "2099-01-01",
            "deadline": "2001-01-01",
            "publish": "1",
        },
    )
    errors = field_errors(response.get_data(as_text=True))
    assert set(errors) == {"title", "description", "domains", "window_end", "deadline"}
    assert errors["deadline"] == ["截止日期已过，请先修改截止日期。"]


def test_a_return_without_a_reason_is_refused_beside_the_reason(client, auth, db, admin_user, operator_user):
    platform = _submitted_platform(db, operator_user)
    auth.as_(admin_user)
    response = client.post(f"/admin/platforms/{platform.id}", data={"action": "return", "reason": ""})
    assert field_errors(response.get_data(as_text=True)) == {
        "reason": ["退回、不予通过或暂停时必须填写意见。"]
    }
