"""Administrators' lists of accounts and organisations, and deactivating an account: its sessions and
API tokens stop at once, the change is audited, and nobody deactivates themselves."""

from sqlalchemy import select

from marketplace.accounts.services import create_api_token
from marketplace.core.models import AuditLog
from marketplace.extensions import db
from tests import factories
from tests.conftest import PASSWORD


def test_accounts_are_searched_and_filtered(client, auth, admin_user, db):
    org = factories.OrganizationFactory(name="潍坊某装备科技有限公司")
    factories.UserFactory(name="赵工", email="zhao@weifang.cn", role="operator", organization=org)
    factories.UserFactory(name="钱经理", email="qian@firm.cn", role="firm")
    db.session.commit()
    auth.as_(admin_user)
    assert "zhao@weifang.cn" in client.get("/admin/users?q=赵").get_data(as_text=True)
    page = client.get("/admin/users?role=firm").get_data(as_text=True)
    assert "qian@firm.cn" in page and "zhao@weifang.cn" not in page
    page = client.get(f"/admin/users?org={org.id}").get_data(as_text=True)
    assert "zhao@weifang.cn" in page and "qian@firm.cn" not in page and "潍坊某装备科技有限公司" in page
    orgs = client.get("/admin/organizations?q=潍坊").get_data(as_text=True)
    assert "潍坊某装备科技有限公司" in orgs and f"/admin/users?org={org.id}" in orgs


def test_deactivating_ends_sessions_and_tokens_and_is_audited(app, client, auth, admin_user, firm_user):
    _, token = create_api_token(firm_user, "同步")
    db.session.commit()
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = firm_user.get_id()
        session["_fresh"] = True
    assert other.get("/my/demands").status_code == 200
    auth.as_(admin_user)
    refused = client.post(f"/admin/users/{firm_user.id}/disable", data={"reason": ""}, follow_redirects=True)
    assert "请填写停用原因" in refused.get_data(as_text=True)
    client.post(f"/admin/users/{firm_user.id}/disable", data={"reason": "离职"})
    db.session.expire_all()
    assert firm_user.is_enabled is False
    assert other.get("/my/demands").status_code in (302, 401)
    assert (
        client.get("/api/v1/messages/unread", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    audit = db.session.scalar(select(AuditLog).where(AuditLog.object_type == "user"))
    assert (audit.new_state, audit.reason, audit.actor_id) == ("disabled", "离职", admin_user.id)
    auth.logout()
    told = client.post("/account/login", data={"email": firm_user.email, "password": PASSWORD})
    assert "该账户已被管理员停用" in told.get_data(as_text=True)
    wrong = client.post("/account/login", data={"email": firm_user.email, "password": "not-the-password"})
    assert "邮箱或密码不正确" in wrong.get_data(
        as_text=True
    )  # nobody learns of the state without the password
    auth.as_(admin_user)
    client.post(f"/admin/users/{firm_user.id}/enable")
    db.session.expire_all()
    assert firm_user.is_enabled is True


def test_nobody_deactivates_themselves_and_only_administrators_act(client, auth, admin_user, firm_user):
    auth.as_(admin_user)
    page = client.post(
        f"/admin/users/{admin_user.id}/disable", data={"reason": "试试"}, follow_redirects=True
    )
    assert "不能停用自己的账户" in page.get_data(as_text=True)
    auth.as_(firm_user)
    assert client.get("/admin/users").status_code == 403
    assert client.post(f"/admin/users/{admin_user.id}/disable", data={"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert admin_user.is_enabled is True
