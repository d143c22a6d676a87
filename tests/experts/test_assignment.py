"""Administrators assign experts to a campaign's participants: the page states why an expert may not
be assigned, bulk assignment skips conflicts with a summary, unassigning stops at submission, the
phase allows it, the expert is told, and the submitted scores show with the mean that will be used."""

import re

import pytest

from marketplace.core.errors import Conflict, Forbidden
from marketplace.evaluation import assignments
from marketplace.experts import services as expert_services
from tests import factories
from tests.experts.helpers import assign, assignment_ids, notices, review_campaign


def test_the_assign_form_lists_every_expert_and_disables_the_conflicted_ones_with_the_reason(
    db, client, auth, admin_user
):
    _, (participant, _) = review_campaign()
    free = factories.UserFactory(role="expert", name="王自由")
    colleague = factories.UserFactory(
        role="expert", name="李同单位", organization=participant.platform.organization
    )
    declared = factories.UserFactory(role="expert", name="赵已声明")
    expert_services.declare_conflict(declared, participant.platform.id, "曾任职。")
    db.session.commit()
    auth.as_(admin_user)
    page = client.get(f"/admin/evaluation/2025/experts/{participant.id}").get_data(as_text=True)
    options = dict(re.findall(r'<input type="checkbox" name="expert_ids" value="(\d+)"([^>]*)>', page))
    assert "disabled" not in options[str(free.id)]
    assert "disabled" in options[str(colleague.id)] and "disabled" in options[str(declared.id)]
    assert "不可分配：专家与该平台属于同一单位" in page
    assert "不可分配：专家已声明与该平台存在利益冲突" in page

    # A disabled option posted anyway is refused by the service, beside the field.
    refused = client.post(
        f"/admin/evaluation/2025/experts/{participant.id}", data={"expert_ids": [colleague.id]}
    )
    assert refused.status_code == 200 and "不能分配李同单位" in refused.get_data(as_text=True)
    assert assignment_ids(colleague) == []

    done = client.post(f"/admin/evaluation/2025/experts/{participant.id}", data={"expert_ids": [free.id]})
    assert done.status_code == 302
    assert assignment_ids(free) == [participant.id]
    [message] = notices(free)
    assert participant.platform.name in message and "2025" in message


def test_bulk_assignment_skips_conflicts_and_says_who_was_skipped_and_why(db, client, auth, admin_user):
    _, (first, second) = review_campaign()
    a = factories.UserFactory(role="expert", name="甲专家")
    b = factories.UserFactory(role="expert", name="乙专家", organization=second.platform.organization)
    db.session.commit()
    auth.as_(admin_user)
    response = client.post(
        "/admin/evaluation/2025/experts",
        data={"expert_ids": [a.id, b.id], "participant_ids": [first.id, second.id]},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已分配 3 项，跳过 1 项" in page
    skipped = re.search(r'<ul class="list" id="skipped">(.*?)</ul>', page, re.S).group(1)
    assert f"乙专家 → {second.platform.name}：专家与该平台属于同一单位" in skipped
    assert sorted(assignment_ids(a)) == sorted([first.id, second.id])
    assert assignment_ids(b) == [first.id]
    # One notice per expert, naming all their new platforms.
    [message] = notices(a)
    assert first.platform.name in message and second.platform.name in message

    again = client.post(
        "/admin/evaluation/2025/experts", data={"expert_ids": [a.id], "participant_ids": [first.id]}
    ).get_data(as_text=True)
    assert "已分配 0 项，跳过 1 项" in again and "已分配" in again


def test_bulk_assignment_needs_experts_and_platforms(db, client, auth, admin_user):
    review_campaign()
    db.session.commit()
    auth.as_(admin_user)
    page = client.post("/admin/evaluation/2025/experts", data={}).get_data(as_text=True)
    assert "请至少选择一位专家" in page and "请至少选择一个参评平台" in page


@pytest.mark.parametrize("status", ["draft", "computed", "published", "locked"])
def test_assignments_are_made_only_in_self_report_or_expert_review(db, admin_user, expert_user, status):
    _, (participant, _) = review_campaign(status)
    with pytest.raises(Conflict):
        assignments.assign(admin_user, participant, expert_user)
    with pytest.raises(Conflict):
        assignments.assign_many(admin_user, participant.campaign, [expert_user], [participant])


def test_assignment_in_self_report_is_allowed_and_only_admins_assign(db, admin_user, expert_user):
    _, (participant, _) = review_campaign("self_report")
    assignments.assign(admin_user, participant, expert_user)
    assert assignment_ids(expert_user) == [participant.id]
    with pytest.raises(Forbidden):
        assignments.assign(expert_user, participant, factories.UserFactory(role="expert"))


def test_unassigning_stops_once_the_expert_submitted(db, client, auth, admin_user):
    _, (participant, _) = review_campaign()
    pending = assign(participant)
    submitted = assign(participant, submitted=True, points=70)
    db.session.commit()
    kept, removed = submitted.expert, pending.expert
    auth.as_(admin_user)
    base = "/admin/evaluation/2025/experts/assignments"
    client.post(f"{base}/{submitted.id}/unassign")
    client.post(f"{base}/{pending.id}/unassign")
    assert assignment_ids(kept) == [participant.id]
    assert assignment_ids(removed) == []
    assert any("撤销" in m for m in notices(removed))


def test_the_participant_view_shows_the_plain_mean_of_four_scores(db, client, auth, admin_user):
    _, (participant, _) = review_campaign()
    for points in (60, 70, 80, 100):
        assign(participant, submitted=True, points=points)
    assign(participant, points=0)  # a draft does not count
    db.session.commit()
    auth.as_(admin_user)
    page = client.get(f"/admin/evaluation/2025/experts/{participant.id}").get_data(as_text=True)
    assert '采用 <b class="score">77.50</b> 分' in page
    assert "4 位专家评分（不足 5 位），取算术平均" in page


def test_the_participant_view_drops_the_highest_and_lowest_of_five_scores(db, client, auth, admin_user):
    _, (participant, _) = review_campaign()
    for points in (40, 70, 80, 90, 100):
        assign(participant, submitted=True, points=points)
    db.session.commit()
    auth.as_(admin_user)
    page = client.get(f"/admin/evaluation/2025/experts/{participant.id}").get_data(as_text=True)
    assert '采用 <b class="score">80.00</b> 分' in page
    assert "5 位专家评分，去掉一个最高分和一个最低分后取平均" in page
    assert "去掉 40.0 与 100.0" in page
    overview = client.get("/admin/evaluation/2025/experts").get_data(as_text=True)
    assert "80.00" in overview


def test_the_admin_pages_are_for_administrators_only(db, client, auth, expert_user):
    _, (participant, _) = review_campaign()
    db.session.commit()
    auth.as_(expert_user)
    assert client.get("/admin/evaluation/experts").status_code == 403
    assert client.get(f"/admin/evaluation/2025/experts/{participant.id}").status_code == 403


def test_the_admin_menu_leads_to_the_campaigns(db, client, auth, admin_user):
    review_campaign()
    db.session.commit()
    auth.as_(admin_user)
    assert "评审专家分配" in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/evaluation/experts").get_data(as_text=True)
    assert "/admin/evaluation/2025/experts" in page
    assert client.get("/admin/evaluation/1999/experts").status_code == 404
