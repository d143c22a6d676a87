"""Experts score their assignments: points 0-100 with at most one decimal, an overall comment to
submit, only in expert review, read-only after submission until an administrator reopens it with a
reason (audited); experts see only their own assignments and never another expert's scores."""

import pytest

from marketplace.core.models import AuditLog
from marketplace.evaluation.models import EvaluationAssignment
from marketplace.extensions import db as _db
from tests import factories
from tests.experts.helpers import assign, notices, review_campaign


def _url(assignment):
    return f"/expert/evaluation/{assignment.id}"


def _field(assignment):
    indicator = next(i for i in assignment.participant.campaign.indicators if i.source == "expert")
    return f"score_{indicator.id}"


def _reload(assignment) -> EvaluationAssignment:
    _db.session.expire_all()
    return _db.session.get(EvaluationAssignment, assignment.id)


@pytest.fixture
def assignment(db, expert_user):
    _, (participant, _) = review_campaign()
    factories.IndicatorValueFactory(
        participant=participant,
        indicator=next(i for i in participant.campaign.indicators if i.code == "patents"),
        value=7,
        evidence="专利证书 7 份，见附件。",
    )
    participant.status = "submitted"
    made = assign(participant, expert_user)
    db.session.commit()
    return made


def test_the_form_shows_the_self_report_and_links_computed_values_to_their_derivation(
    client, auth, expert_user, assignment
):
    auth.as_(expert_user)
    page = client.get(_url(assignment)).get_data(as_text=True)
    ref = assignment.participant.platform.ref
    assert "专利证书 7 份，见附件。" in page and "7.0 件" in page
    assert f'href="/evaluation/2025/platforms/{ref}/indicators/conversions"' in page
    assert "专家综合评议" in page


@pytest.mark.parametrize(
    ("points", "message"),
    [("101", "应在 0 到 100 分之间"), ("-1", "不能为负数"), ("85.55", "最多保留一位小数"), ("abc", "")],
)
def test_points_are_0_to_100_with_at_most_one_decimal(client, auth, expert_user, assignment, points, message):
    auth.as_(expert_user)
    response = client.post(
        _url(assignment), data={_field(assignment): points, "comment": "好", "intent": "submit"}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert not _reload(assignment).is_submitted and _reload(assignment).scores == []


def test_a_draft_may_be_incomplete_but_a_submission_needs_every_score_and_the_comment(
    client, auth, expert_user, assignment
):
    auth.as_(expert_user)
    assert client.post(_url(assignment), data={"intent": "draft", "comment": ""}).status_code == 302
    refused = client.post(_url(assignment), data={"intent": "submit", _field(assignment): "", "comment": ""})
    page = refused.get_data(as_text=True)
    assert "提交前请为“专家综合评议”打分" in page and "请填写总体评语" in page
    client.post(_url(assignment), data={"intent": "draft", _field(assignment): "85.5", "comment": "草稿"})
    saved = _reload(assignment)
    assert [s.points for s in saved.scores] == [85.5] and not saved.is_submitted


def test_after_submission_the_scores_are_read_only(client, auth, expert_user, assignment):
    auth.as_(expert_user)
    done = client.post(
        _url(assignment), data={"intent": "submit", _field(assignment): "88", "comment": "管理规范。"}
    )
    assert done.status_code == 302
    page = client.get(_url(assignment)).get_data(as_text=True)
    assert "评分只读" in page and "88.0 分" in page and 'name="intent"' not in page
    client.post(_url(assignment), data={"intent": "submit", _field(assignment): "20", "comment": "改"})
    assert [s.points for s in _reload(assignment).scores] == [88.0]
    history = _db.session.scalars(_db.select(AuditLog).where(AuditLog.object_type == "evaluation_assignment"))
    assert [(h.old_state, h.new_state) for h in history] == [("assigned", "submitted")]


@pytest.mark.parametrize("status", ["self_report", "computed", "published"])
def test_experts_score_only_in_expert_review(db, client, auth, expert_user, assignment, status):
    assignment.participant.campaign.status = status
    db.session.commit()
    auth.as_(expert_user)
    page = client.get(_url(assignment)).get_data(as_text=True)
    assert 'name="intent"' not in page
    client.post(_url(assignment), data={"intent": "draft", _field(assignment): "50", "comment": "x"})
    assert _reload(assignment).scores == []


def test_an_administrator_reopens_a_submission_with_a_reason(
    db, client, auth, expert_user, admin_user, assignment
):
    auth.as_(expert_user)
    client.post(_url(assignment), data={"intent": "submit", _field(assignment): "88", "comment": "好"})
    auth.as_(admin_user)
    base = f"/admin/evaluation/2025/experts/assignments/{assignment.id}/reopen"
    client.post(base, data={"reason": ""})
    assert _reload(assignment).is_submitted
    client.post(base, data={"reason": "请结合平台整改情况复核评分。"})
    assert not _reload(assignment).is_submitted
    audit = _db.session.scalars(
        _db.select(AuditLog).where(AuditLog.object_type == "evaluation_assignment").order_by(AuditLog.id)
    ).all()[-1]
    assert (audit.old_state, audit.new_state, audit.actor_id) == ("submitted", "assigned", admin_user.id)
    assert audit.reason == "请结合平台整改情况复核评分。"
    assert any("请结合平台整改情况复核评分" in m for m in notices(expert_user))
    auth.as_(expert_user)
    assert 'name="intent"' in client.get(_url(assignment)).get_data(as_text=True)


def test_experts_see_only_their_own_assignments_and_no_other_scores(db, client, auth, assignment):
    other = assign(assignment.participant, submitted=True, points=42.5)
    db.session.commit()
    auth.as_(assignment.expert)
    assert client.get(f"/expert/evaluation/{other.id}").status_code == 404
    assert client.get("/expert/evaluation/987654").status_code == 404
    page = client.get(_url(assignment)).get_data(as_text=True)
    assert "42.5" not in page and other.expert.name not in page
    auth.as_(other.expert)
    assert client.post(_url(assignment), data={"intent": "draft", "comment": "x"}).status_code == 404
    workspace = client.get("/expert/").get_data(as_text=True)
    assert f"/expert/evaluation/{other.id}" in workspace and _url(assignment) not in workspace
