"""Platform registry: the approval workflow, the review queue, permissions and notifications."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.core.models import AuditLog, utcnow
from marketplace.notifications.models import Notification
from marketplace.platforms import services
from marketplace.platforms.models import Platform
from tests import factories

FORM = {
    "name": "淄博连续流中试平台",
    "level": "省级",
    "city": "淄博",
    "domains": ["高端化工"],
    "description": "微通道连续流反应中试",
    "capabilities": "硝化、氧化",
    "certifications": "CNAS、CMA",
    "address": "淄博市高新区",
    "contact_name": "李工",
    "contact_phone": "0533-1234567",
    "contact_email": "li@example.cn",
    "sharing_rules": "对外开放",
    "fee_standard": "按天计费",
}


def make_submitted(operator, db, waited_hours=0):
    platform = factories.PlatformFactory(
        organization=operator.organization,
        status="submitted",
        submitted_at=utcnow() - timedelta(hours=waited_hours),
    )
    db.session.commit()
    return platform


def test_operator_creates_a_draft_and_submits_it(client, auth, db, operator_user):
    auth.as_(operator_user)
    response = client.post("/my/platforms/new", data=FORM)
    platform = db.session.scalar(select(Platform))
    assert response.headers["Location"].endswith(f"/my/platforms/{platform.id}")
    assert platform.status == "draft" and platform.certifications == ["CNAS", "CMA"]
    assert client.get(f"/platforms/{platform.id}").status_code == 200  # owner may preview
    client.post(f"/my/platforms/{platform.id}/submit")
    db.session.refresh(platform)
    assert platform.status == "submitted" and platform.submitted_at is not None
    audit = db.session.scalar(select(AuditLog).where(AuditLog.object_type == "platform"))
    assert (audit.old_state, audit.new_state, audit.actor_id) == ("draft", "submitted", operator_user.id)


def test_invalid_platform_form_shows_messages(client, auth, db, operator_user):
    auth.as_(operator_user)
    response = client.post("/my/platforms/new", data={**FORM, "name": "", "domains": [], "city": "上海"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "此项为必填项" in text and "不是有效的选择" in text
    assert db.session.scalar(select(Platform.id)) is None


def test_a_new_platform_has_no_level_chosen_for_the_operator(client, auth, db, operator_user):
    """The level defaulted to 国家级, the most privileged; the operator now states it."""
    auth.as_(operator_user)
    page = client.get("/my/platforms/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]* id="level".*?</select>', page, re.S).group(0)
    assert "selected" not in select_html
    assert re.findall(r'<option value="([^"]*)"', select_html)[0] == ""
    response = client.post("/my/platforms/new", data={**FORM, "level": ""})
    assert response.status_code == 200 and db.session.scalar(select(Platform.id)) is None


def test_review_queue_lists_longest_waiting_first_with_wait(client, auth, db, admin_user, operator_user):
    recent = make_submitted(operator_user, db, waited_hours=1)
    old = make_submitted(operator_user, db, waited_hours=80)
    auth.as_(admin_user)
    page = client.get("/admin/reviews").get_data(as_text=True)
    assert page.index(old.name) < page.index(recent.name)
    assert "3 天 8 小时" in page and 'class="overdue"' in page


def test_review_pages_show_beijing_time_and_waits_from_the_clock(
    client, auth, db, admin_user, operator_user, freeze_now
):
    platform = factories.PlatformFactory(
        organization=operator_user.organization,
        status="submitted",
        submitted_at=datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
    )
    factories.AuditLogFactory(
        object_id=platform.id,
        old_state="draft",
        new_state="submitted",
        at=datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
    )
    db.session.commit()
    freeze_now(datetime(2026, 3, 4, 8, 30, tzinfo=UTC))
    auth.as_(admin_user)
    queue = client.get("/admin/reviews").get_data(as_text=True)
    assert "2026-03-01 08:00" in queue and "3 天 8 小时" in queue and 'class="overdue"' in queue
    review = client.get(f"/admin/platforms/{platform.id}").get_data(as_text=True)
    # submission time and audit history, both in Beijing time
    assert review.count("2026-03-01 08:00") == 2 and "00:00" not in review and "UTC" not in review


@pytest.mark.parametrize(
    "action,status", [("approve", "approved"), ("return", "returned"), ("reject", "rejected")]
)
def test_admin_decides_and_operator_is_notified_in_app_and_by_mail(
    client, auth, db, mail, admin_user, operator_user, action, status
):
    platform = make_submitted(operator_user, db)
    auth.as_(admin_user)
    client.post(
        f"/admin/platforms/{platform.id}",
        data={"action": action, "reason": "材料齐全" if action == "approve" else "请补充设备清单"},
    )
    db.session.refresh(platform)
    assert platform.status == status
    note = db.session.scalar(select(Notification).where(Notification.user_id == operator_user.id))
    assert platform.name in note.message
    assert mail[-1]["to"] == operator_user.email
    audit = db.session.scalars(select(AuditLog).where(AuditLog.object_id == platform.id)).all()[-1]
    assert audit.actor_id == admin_user.id and audit.new_state == status


def test_returning_or_rejecting_needs_a_reason(client, auth, db, admin_user, operator_user):
    platform = make_submitted(operator_user, db)
    auth.as_(admin_user)
    response = client.post(f"/admin/platforms/{platform.id}", data={"action": "reject", "reason": ""})
    assert "必须填写意见" in response.get_data(as_text=True)
    db.session.refresh(platform)
    assert platform.status == "submitted"


def test_suspend_and_reinstate(db, admin_user):
    platform = factories.PlatformFactory()
    services.review_platform(admin_user, platform, "suspend", "设备停用检修")
    assert platform.status == "suspended"
    services.review_platform(admin_user, platform, "reinstate", None)
    assert platform.status == "approved"


def test_transitions_outside_the_table_are_refused(db, admin_user):
    platform = factories.PlatformFactory(status="draft")
    with pytest.raises(services.DomainError):
        services.review_platform(admin_user, platform, "approve")


def test_another_operator_cannot_see_or_edit_my_platform(client, auth, db, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization, status="draft")
    intruder = factories.UserFactory(role="operator")
    db.session.commit()
    auth.as_(intruder)
    assert client.get(f"/my/platforms/{platform.id}").status_code == 404
    assert client.post(f"/my/platforms/{platform.id}/edit", data=FORM).status_code == 404
    assert client.post(f"/my/platforms/{platform.id}/submit").status_code == 404
    assert client.get(f"/platforms/{platform.id}").status_code == 404
    db.session.refresh(platform)
    assert platform.status == "draft" and platform.name != FORM["name"]


@pytest.mark.parametrize("path", ["/my/platforms/", "/my/platforms/new"])
def test_firms_cannot_use_operator_pages(client, auth, firm_user, path):
    auth.as_(firm_user)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/admin/reviews", "/admin/platforms"])
def test_only_administrators_reach_the_review_pages(client, auth, operator_user, path):
    assert client.get(path).status_code == 302  # anonymous: to login
    auth.as_(operator_user)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "rejected", "suspended"])
def test_anonymous_sees_only_approved_platforms(client, db, status):
    hidden = factories.PlatformFactory(status=status, name="隐藏的平台")
    factories.PlatformFactory(name="公开的平台")
    db.session.commit()
    assert client.get(f"/platforms/{hidden.id}").status_code == 404
    listing = client.get("/platforms").get_data(as_text=True)
    assert "公开的平台" in listing and "隐藏的平台" not in listing


def test_mass_assignment_of_status_or_org_is_ignored(client, auth, db, operator_user):
    auth.as_(operator_user)
    client.post("/my/platforms/new", data={**FORM, "status": "approved", "org_id": 999})
    platform = db.session.scalar(select(Platform))
    assert platform.status == "draft" and platform.org_id == operator_user.org_id


def decision_options(client, platform) -> list[str]:
    """The values offered in the decision select, in order; fails if one is preselected."""
    page = client.get(f"/admin/platforms/{platform.id}").get_data(as_text=True)
    select_html = re.search(r'<select[^>]* id="action".*?</select>', page, re.S).group(0)
    assert "selected" not in select_html
    return re.findall(r'<option value="([^"]*)"', select_html)


def test_the_reviewer_must_choose_a_decision_among_those_the_workflow_allows(
    client, auth, db, admin_user, operator_user
):
    platform = make_submitted(operator_user, db)
    auth.as_(admin_user)
    assert decision_options(client, platform) == ["", "approve", "return", "reject"]  # nothing preselected
    response = client.post(f"/admin/platforms/{platform.id}", data={"reason": "看起来不错"})
    assert "请选择审核决定" in response.get_data(as_text=True)
    refused = client.post(f"/admin/platforms/{platform.id}", data={"action": "suspend", "reason": "x"})
    assert "不是有效的选择" in refused.get_data(as_text=True)
    db.session.refresh(platform)
    assert platform.status == "submitted"


def test_an_approved_platform_offers_suspension_and_a_suspended_one_reinstatement(
    client, auth, db, admin_user
):
    platform = factories.PlatformFactory()
    db.session.commit()
    auth.as_(admin_user)
    assert decision_options(client, platform) == ["", "suspend"]
    client.post(f"/admin/platforms/{platform.id}", data={"action": "suspend", "reason": "设备停用检修"})
    assert decision_options(client, platform) == ["", "reinstate"]


def test_a_returned_platform_shows_the_reviewers_reason_on_its_page(
    client, auth, db, admin_user, operator_user
):
    platform = make_submitted(operator_user, db)
    services.review_platform(admin_user, platform, "return", "请补充 CNAS 证书扫描件")
    db.session.commit()
    auth.as_(operator_user)
    page = client.get(f"/my/platforms/{platform.id}").get_data(as_text=True)
    assert "退回修改" in page and "审核意见：请补充 CNAS 证书扫描件" in page


def test_administrators_start_from_a_menu_of_every_features_admin_pages(client, auth, db, admin_user):
    auth.as_(admin_user)
    page = client.get("/dashboard", follow_redirects=True).get_data(as_text=True)
    assert "管理工作台" in page and "/admin/reviews" in page and "/admin/platforms" in page


def test_an_incomplete_platform_is_neither_submitted_nor_approved(
    client, auth, db, admin_user, operator_user
):
    """Found by a first-time user: a platform returned for missing details was resubmitted unchanged and
    an approved platform showed an empty 核心能力 and 联系方式 in public."""
    platform = factories.PlatformFactory(
        organization=operator_user.organization, status="draft", capabilities="", fee_standard=""
    )
    db.session.commit()
    auth.as_(operator_user)
    page = client.get(f"/my/platforms/{platform.id}").get_data(as_text=True)
    assert "提交审核前请补充：核心能力、收费标准。" in page
    refused = client.post(f"/my/platforms/{platform.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "请先补充：核心能力、收费标准。" in refused
    db.session.refresh(platform)
    assert platform.status == "draft"

    waiting = make_submitted(operator_user, db)
    waiting.contact_phone = ""
    db.session.commit()
    auth.as_(admin_user)
    response = client.post(f"/admin/platforms/{waiting.id}", data={"action": "approve", "reason": ""})
    assert "请先补充：联系电话。" in response.get_data(as_text=True)
    db.session.refresh(waiting)
    assert waiting.status == "submitted"
