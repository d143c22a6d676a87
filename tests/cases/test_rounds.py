"""Selection rounds: created and edited by administrators while draft, moved through their phases
(audited, history shown), operators of approved platforms told when nominations open."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.cases import services
from marketplace.cases.models import ROUND_WORKFLOW, SelectionRound
from marketplace.core.errors import Conflict, DomainError, Forbidden
from marketplace.core.timeutil import local_today
from marketplace.notifications.models import Notification
from tests import factories


def round_form(**extra) -> dict:
    return {
        "year": "2026",
        "title": "2026 年度中试典型案例遴选",
        "description": "面向全省中试平台征集。",
        "nomination_deadline": (local_today() + timedelta(days=30)).isoformat(),
        "quota_service": "5",
        "quota_solution": "3",
        "quota_application": "4",
        **extra,
    }


def test_an_administrator_creates_a_round_in_the_browser_and_edits_it_while_draft(
    client, auth, admin_user, db
):
    auth.login(admin_user)
    response = client.post("/admin/cases/new", data=round_form())
    rnd = db.session.scalar(db.select(SelectionRound))
    assert response.status_code == 302 and response.location.endswith(f"/admin/cases/{rnd.id}")
    assert (rnd.year, rnd.status, rnd.quotas) == (
        2026,
        "draft",
        {"service": 5, "solution": 3, "application": 4},
    )
    client.post(f"/admin/cases/{rnd.id}/edit", data=round_form(title="改过的标题", quota_service="2"))
    db.session.refresh(rnd)
    assert rnd.title == "改过的标题" and rnd.quotas["service"] == 2
    page = client.get(f"/admin/cases/{rnd.id}").get_data(as_text=True)
    assert "改过的标题" in page and "开始征集" in page and "创建 → 草稿" in page


def test_round_form_refuses_bad_input_beside_the_field(client, auth, admin_user, db):
    factories.SelectionRoundFactory(year=2026)
    db.session.commit()
    auth.login(admin_user)
    page = client.post("/admin/cases/new", data=round_form(quota_solution="-1", title="")).get_data(
        as_text=True
    )
    assert "2026 年度的遴选已经创建。" in page
    assert "名额不能为负数。" in page and "此项为必填项。" in page
    assert db.session.scalar(db.select(db.func.count(SelectionRound.id))) == 1


def test_phases_are_audited_and_operators_of_approved_platforms_are_told_when_it_opens(db, world, admin_user):
    rnd = factories.SelectionRoundFactory(
        year=2030, status="draft", nomination_deadline=local_today() + timedelta(days=5)
    )
    draft_platform_operator = factories.UserFactory(role="operator")
    factories.PlatformFactory(organization=draft_platform_operator.organization, status="draft")
    db.session.flush()
    services.change_phase(admin_user, rnd, "open")
    services.change_phase(admin_user, rnd, "start_review")
    assert rnd.status == "reviewing"
    history = ROUND_WORKFLOW.history(rnd)
    assert [(h.old_state, h.new_state, h.actor_id) for h in history] == [
        ("draft", "nominating", admin_user.id),
        ("nominating", "reviewing", admin_user.id),
    ]
    told = {n.user_id for n in db.session.scalars(db.select(Notification))}
    assert world.operator.id in told and draft_platform_operator.id not in told


def test_a_round_opens_only_with_a_deadline_still_ahead(db, admin_user):
    rnd = factories.SelectionRoundFactory(status="draft", nomination_deadline=None)
    with pytest.raises(DomainError) as refused:
        services.change_phase(admin_user, rnd, "open")
    assert refused.value.errors[0][0] == "nomination_deadline"
    rnd.nomination_deadline = local_today() - timedelta(days=1)
    with pytest.raises(DomainError):
        services.change_phase(admin_user, rnd, "open")
    assert rnd.status == "draft"


def test_only_drafts_are_edited_and_only_administrators_act(db, world):
    with pytest.raises(Conflict):
        services.update_round(world.admin, world.round, {"year": 2025, "title": "x", "quotas": {}})
    with pytest.raises(Forbidden):
        services.change_phase(world.operator, world.round, "start_review")
    with pytest.raises(Conflict):
        services.change_phase(world.admin, world.round, "publish")  # not from nominating


def test_other_roles_do_not_reach_the_administrators_pages(client, auth, world):
    auth.as_(world.operator)
    assert client.get("/admin/cases/").status_code == 403
    assert client.get(f"/admin/cases/{world.round.id}").status_code == 403
