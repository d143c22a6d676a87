"""Administrators find any demand, hide one that breaks the rules (audited, the firm told why) and restore
it; a hidden demand leaves every public list and its firm cannot reopen it."""

import pytest
from sqlalchemy import select

from marketplace.core.models import AuditLog
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests import factories


@pytest.fixture
def posted(db):
    firm = factories.UserFactory(role="firm")
    demand = factories.DemandFactory(organization=firm.organization, title="招聘兼职推广员（违规广告）")
    factories.DemandFactory(title="重组蛋白发酵工艺放大", domains=["生物医药"])
    factories.DemandFactory(title="草稿需求", status="draft")
    db.session.commit()
    return firm, demand


def test_the_list_searches_and_filters(client, auth, admin_user, posted):
    auth.as_(admin_user)
    page = client.get("/admin/demands").get_data(as_text=True)
    assert "招聘兼职推广员" in page and "重组蛋白发酵工艺放大" in page and "草稿需求" not in page
    page = client.get("/admin/demands?q=发酵").get_data(as_text=True)
    assert "重组蛋白发酵工艺放大" in page and "招聘兼职推广员" not in page
    assert "招聘兼职推广员" not in client.get("/admin/demands?status=hidden").get_data(as_text=True)


def test_hiding_tells_the_firm_why_and_is_audited(client, auth, admin_user, posted):
    firm, demand = posted
    auth.as_(admin_user)
    refused = client.post(f"/admin/demands/{demand.id}/hide", data={"reason": "  "}, follow_redirects=True)
    assert "请填写隐藏原因" in refused.get_data(as_text=True)
    client.post(f"/admin/demands/{demand.id}/hide", data={"reason": "发布与中试无关的招聘广告"})
    db.session.expire_all()
    assert demand.status == "hidden"
    notices = db.session.scalars(select(Notification.message).where(Notification.user_id == firm.id)).all()
    assert notices == [
        "您的需求“招聘兼职推广员（违规广告）”因不符合平台规则，已被管理员隐藏：发布与中试无关的招聘广告。如需申诉，请联系平台管理员。"
    ]
    audit = db.session.scalar(
        select(AuditLog).where(AuditLog.object_type == "demand", AuditLog.new_state == "hidden")
    )
    assert audit.actor_id == admin_user.id and audit.reason == "发布与中试无关的招聘广告"
    assert "招聘兼职推广员" not in client.get("/demands").get_data(as_text=True)
    assert "招聘兼职推广员" in client.get("/admin/demands?status=hidden").get_data(as_text=True)


def test_the_firm_cannot_reopen_a_hidden_demand_but_an_administrator_restores_it(
    client, auth, admin_user, posted
):
    firm, demand = posted
    auth.as_(admin_user)
    client.post(f"/admin/demands/{demand.id}/hide", data={"reason": "违规"})
    auth.as_(firm)
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "此需求已被管理员隐藏，原因：违规" in page  # the firm reads why on its demand's page
    assert client.post(f"/my/demands/{demand.id}/reopen").status_code in (403, 404, 302)
    db.session.expire_all()
    assert demand.status == "hidden"
    auth.as_(admin_user)
    client.post(f"/admin/demands/{demand.id}/restore")
    db.session.expire_all()
    assert demand.status == "open"
    assert "招聘兼职推广员" in client.get("/demands").get_data(as_text=True)


def test_only_administrators_moderate(client, auth, posted):
    firm, demand = posted
    auth.as_(firm)
    assert client.get("/admin/demands").status_code == 403
    assert client.post(f"/admin/demands/{demand.id}/hide", data={"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert demand.status == "open"


def test_an_unknown_demand_is_not_found(client, auth, admin_user, db):
    auth.as_(admin_user)
    assert client.post("/admin/demands/99999/hide", data={"reason": "x"}).status_code == 404
