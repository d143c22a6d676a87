"""The experts' workspace: every kind of assignment that features register, pending and done, with
counts; experts land there after login and find it in the navigation."""

import pytest

from marketplace.experts import registry
from marketplace.experts.registry import AssignmentItem
from tests.experts.helpers import assign, review_campaign


def first_assignment_id(participant, expert):
    from marketplace.evaluation.models import EvaluationAssignment
    from marketplace.extensions import db

    return db.session.scalar(
        db.select(EvaluationAssignment.id).where(
            EvaluationAssignment.participant_id == participant.id, EvaluationAssignment.expert_id == expert.id
        )
    )


@pytest.fixture
def case_kind():
    """A second kind, as the case selection registers its reviews."""
    before = dict(registry._KINDS)
    registry.register_assignments(
        "cases",
        "典型案例",
        pending=lambda expert: [AssignmentItem("锂电正极材料中试放大", "某平台", "待评分", "/x/1")],
        done=lambda expert: [],
    )
    yield
    registry._KINDS.clear()
    registry._KINDS.update(before)


def test_the_workspace_lists_pending_and_done_work_of_every_kind(db, client, auth, expert_user, case_kind):
    _, (first, second) = review_campaign()
    assign(first, expert_user)
    assign(second, expert_user, submitted=True, points=90)
    db.session.commit()
    auth.as_(expert_user)
    page = client.get("/expert/").get_data(as_text=True)
    pending = page.split('id="pending"')[1].split("</table>")[0]
    done = page.split('id="done"')[1].split("</table>")[0]
    assert first.platform.name in pending and "绩效评价" in pending
    assert "锂电正极材料中试放大" in pending and "典型案例" in pending
    assert second.platform.name in done and second.platform.name not in pending
    assert "<b>2</b><span>待评审</span>" in page and "<b>1</b><span>已提交</span>" in page
    assert "不会被分配" in page  # the rule is stated
    # In-page links are relative: they work on whatever host and port served the page.
    assert f'href="/expert/evaluation/{first_assignment_id(first, expert_user)}"' in pending
    assert 'href="http' not in pending + done


def test_experts_land_on_the_workspace_and_find_it_in_the_menu(db, client, auth, expert_user):
    response = auth.login(expert_user)
    assert response.headers["Location"].endswith("/dashboard")
    landing = client.get("/dashboard")
    assert landing.headers["Location"].endswith("/expert/")
    assert "评审工作台" in client.get("/expert/").get_data(as_text=True)
    assert 'href="/expert/"' in client.get("/").get_data(as_text=True)


def test_both_lists_are_paged_each_pager_keeping_the_other_page(
    app, db, client, auth, expert_user, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    _, participants = review_campaign(platforms=6)
    for n, participant in enumerate(participants):
        participant.platform.name = f"平台{n}"
        assign(participant, expert_user, submitted=n >= 3, points=80 if n >= 3 else None)
    db.session.commit()
    auth.as_(expert_user)
    page = client.get("/expert/?done_page=2").get_data(as_text=True)
    pending = page.split('id="pending"')[1].split('id="done"')[0]
    done = page.split('id="done"')[1].split('id="h-conflicts"')[0]
    assert "平台0" in pending and "平台1" in pending and "平台2" not in pending
    assert "平台5" in done and "平台3" not in done
    assert "<b>3</b><span>待评审</span>" in page and "<b>3</b><span>已提交</span>" in page
    assert "第 1 / 2 页，共 3 条" in pending and "第 2 / 2 页，共 3 条" in done
    assert 'href="/expert/?done_page=2&amp;page=2">下一页' in pending
    assert 'href="/expert/?done_page=1">上一页' in done
    second = client.get("/expert/?page=2&done_page=2").get_data(as_text=True)
    assert "平台2" in second.split('id="pending"')[1].split('id="done"')[0]
