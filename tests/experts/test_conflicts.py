"""Conflicts of interest: own organisation and declared conflicts are never assigned; declaring one
withdraws unsubmitted assignments and tells the administrators."""

import pytest

from marketplace.core.errors import Conflict, DomainError
from marketplace.core.models import AuditLog
from marketplace.evaluation import assignments
from marketplace.experts import services
from tests import factories
from tests.experts.helpers import assign, assignment_ids, notices, review_campaign


def test_an_expert_is_never_assigned_to_a_platform_of_their_own_organisation(db, admin_user):
    _, (participant, _) = review_campaign()
    colleague = factories.UserFactory(role="expert", organization=participant.platform.organization)
    with pytest.raises(DomainError) as refused:
        assignments.assign(admin_user, participant, colleague)
    assert "同一单位" in str(refused.value)
    assert assignment_ids(colleague) == []


def test_an_expert_is_never_assigned_to_a_platform_they_declared_a_conflict_with(db, admin_user, expert_user):
    _, (participant, _) = review_campaign()
    services.declare_conflict(expert_user, participant.platform.id, "曾在该平台任职。")
    with pytest.raises(DomainError) as refused:
        assignments.assign(admin_user, participant, expert_user)
    assert "声明" in str(refused.value)
    assert assignment_ids(expert_user) == []


def test_declaring_a_conflict_withdraws_the_unsubmitted_assignment_and_tells_the_admins(
    db, admin_user, expert_user
):
    _, (conflicted, other) = review_campaign()
    assign(conflicted, expert_user)
    assign(other, expert_user)
    services.declare_conflict(expert_user, conflicted.platform.id, "近三年与该平台有合作项目。")
    db.session.commit()
    assert assignment_ids(expert_user) == [other.id]
    [removal] = db.session.scalars(db.select(AuditLog).where(AuditLog.new_state == "removed")).all()
    assert (removal.actor_id, removal.reason) == (expert_user.id, "专家声明利益冲突")
    [message] = notices(admin_user)
    assert expert_user.name in message and conflicted.platform.name in message
    assert "撤销" in message and "近三年与该平台有合作项目" in message


def test_a_submitted_assignment_stays_and_the_admins_are_asked_to_check_it(db, admin_user, expert_user):
    _, (participant, _) = review_campaign()
    assign(participant, expert_user, submitted=True, points=80)
    services.declare_conflict(expert_user, participant.platform.id, "亲属在该平台工作。")
    assert assignment_ids(expert_user) == [participant.id]
    [message] = notices(admin_user)
    assert "已提交的评审仍保留" in message


def test_a_declaration_without_a_conflict_to_clear_tells_nobody(db, admin_user, expert_user):
    platform = factories.PlatformFactory()
    services.declare_conflict(expert_user, platform.id, "曾在该平台任职。")
    assert notices(admin_user) == []


def test_a_declaration_needs_an_approved_platform_and_a_reason_and_is_made_once(db, expert_user):
    draft = factories.PlatformFactory(status="draft")
    with pytest.raises(DomainError) as refused:
        services.declare_conflict(expert_user, None, "  ")
    assert {f for f, _ in refused.value.errors} == {"platform_id", "reason"}
    with pytest.raises(DomainError):
        services.declare_conflict(expert_user, draft.id, "原因")
    platform = factories.PlatformFactory()
    services.declare_conflict(expert_user, platform.id, "原因")
    with pytest.raises(Conflict):
        services.declare_conflict(expert_user, platform.id, "原因")


def test_the_conflicts_page_finds_approved_platforms_by_name_and_records_the_declaration(
    db, client, auth, expert_user, admin_user
):
    wanted = factories.PlatformFactory(name="青岛海洋生物中试平台")
    factories.PlatformFactory(name="青岛海洋草稿平台", status="draft")
    factories.PlatformFactory(name="济南化工中试平台")
    db.session.commit()
    auth.as_(expert_user)
    page = client.get("/expert/conflicts?q=海洋").get_data(as_text=True)
    assert "青岛海洋生物中试平台" in page
    assert "草稿平台" not in page and "济南化工" not in page
    assert "同一单位" in page or "所在单位" in page  # the rule is stated

    refused = client.post("/expert/conflicts", data={"q": "海洋", "platform_id": wanted.id, "reason": ""})
    assert refused.status_code == 200
    assert "请说明利益冲突的原因" in refused.get_data(as_text=True)

    done = client.post(
        "/expert/conflicts", data={"q": "海洋", "platform_id": wanted.id, "reason": "曾在该平台任职。"}
    )
    assert done.status_code == 302
    workspace = client.get("/expert/").get_data(as_text=True)
    assert "青岛海洋生物中试平台" in workspace and "曾在该平台任职" in workspace


def test_only_experts_open_the_workspace_and_the_conflicts_page(db, client, auth, firm_user):
    auth.as_(firm_user)
    assert client.get("/expert/").status_code == 403
    assert client.post("/expert/conflicts", data={"platform_id": 1, "reason": "x"}).status_code == 403
