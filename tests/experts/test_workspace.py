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
