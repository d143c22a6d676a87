"""Selection: the ranking per category, selection within the quota (audited with the administrator),
unselect until publication; publishing marks the rest 未入选, stamps the round and tells the nominators."""

from __future__ import annotations

import pytest

from marketplace.cases import services
from marketplace.cases.models import NOMINATION_WORKFLOW
from marketplace.core.errors import Conflict, DomainError
from marketplace.notifications.models import Notification
from tests import factories


@pytest.fixture
def reviewed(db, world):
    """Three scored 中试服务 nominations (quota 1) and one 解决方案, the round in review."""
    world.round.status = "reviewing"
    make = factories.CaseNominationFactory
    cases = {
        "low": make(round=world.round, platform=world.platform, title="低分案例", score=61.0),
        "high": make(round=world.round, platform=world.other_platform, title="高分案例", score=92.5),
        "mid": make(round=world.round, platform=world.platform, title="中间案例", score=80.0),
        "solution": make(round=world.round, platform=world.platform, category="solution", title="方案"),
        "draft": make(round=world.round, platform=world.platform, status="draft", title="草稿案例"),
    }
    db.session.commit()
    return cases


def test_the_ranking_lists_each_category_best_first_with_its_rule(client, auth, world, reviewed):
    ranking = services.ranking(world.round)
    assert [r.nomination.title for r in ranking["service"]] == ["高分案例", "中间案例", "低分案例"]
    assert [r.nomination.title for r in ranking["solution"]] == ["方案"]
    auth.as_(world.admin)
    page = client.get(f"/admin/cases/{world.round.id}/ranking").get_data(as_text=True)
    assert page.index("高分案例") < page.index("中间案例") < page.index("低分案例")
    assert "草稿案例" not in page and "去掉一个最高分和一个最低分" in page


def test_selection_stays_within_the_quota_and_is_audited(client, auth, db, world, reviewed):
    auth.as_(world.admin)
    client.post(f"/admin/cases/nominations/{reviewed['high'].id}/select")
    response = client.post(f"/admin/cases/nominations/{reviewed['mid'].id}/select", follow_redirects=True)
    assert "“中试服务”类别的名额为 1 项，已选满。" in response.get_data(as_text=True)
    db.session.refresh(reviewed["high"])
    db.session.refresh(reviewed["mid"])
    assert (reviewed["high"].status, reviewed["mid"].status) == ("selected", "submitted")
    entry = NOMINATION_WORKFLOW.history(reviewed["high"])[-1]
    assert (entry.old_state, entry.new_state, entry.actor_id) == ("submitted", "selected", world.admin.id)
    # unselect frees the place
    client.post(f"/admin/cases/nominations/{reviewed['high'].id}/unselect")
    client.post(f"/admin/cases/nominations/{reviewed['mid'].id}/select")
    db.session.refresh(reviewed["mid"])
    assert reviewed["mid"].status == "selected"


def test_no_selection_outside_the_review_phase(db, world, reviewed):
    world.round.status = "nominating"
    with pytest.raises(Conflict):
        services.select_nomination(world.admin, reviewed["high"])


def test_publishing_marks_the_rest_not_selected_and_tells_the_nominators(db, world, reviewed):
    with pytest.raises(DomainError):  # nothing selected yet
        services.change_phase(world.admin, world.round, "publish")
    other_operator = factories.UserFactory(role="operator", organization=world.other_platform.organization)
    services.select_nomination(world.admin, reviewed["high"])
    services.change_phase(world.admin, world.round, "publish")
    assert world.round.status == "published" and world.round.published_at is not None
    statuses = {key: n.status for key, n in reviewed.items()}
    assert statuses == {
        "high": "selected",
        "mid": "not_selected",
        "low": "not_selected",
        "solution": "not_selected",
        "draft": "draft",
    }

    def told(user):
        return {
            n.message
            for n in db.session.scalars(db.select(Notification).where(Notification.user_id == user.id))
        }

    assert any("“中间案例”未入选" in m for m in told(world.operator))
    assert not any("草稿案例" in m for m in told(world.operator))
    assert any("“高分案例”入选" in m for m in told(other_operator))
    with pytest.raises(Conflict):
        services.unselect_nomination(world.admin, reviewed["high"])
    with pytest.raises(Conflict):
        services.withdraw_nomination(world.operator, reviewed["mid"])
