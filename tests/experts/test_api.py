"""The experts' API: the token's expert's assignments, and their scores with the page's rules."""

import pytest

from marketplace.accounts.services import create_api_token
from marketplace.evaluation.models import EvaluationAssignment
from marketplace.extensions import db as _db
from tests import factories
from tests.experts.helpers import assign, review_campaign


def _headers(db, user):
    _, token = create_api_token(user, "评审")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def mine(db, expert_user):
    _, (participant, other_participant) = review_campaign()
    made = assign(participant, expert_user)
    assign(other_participant)  # another expert's
    db.session.commit()
    return made


def _put(client, headers, assignment_id, **body):
    return client.put(f"/api/v1/expert/assignments/{assignment_id}/scores", json=body, headers=headers)


def test_the_list_holds_only_the_callers_assignments_with_what_to_score(db, client, expert_user, mine):
    response = client.get("/api/v1/expert/assignments", headers=_headers(db, expert_user))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["id"] == mine.id and item["campaign_year"] == 2025
    assert item["platform_ref"] == mine.participant.platform.ref
    assert item["status"] == "assigned" and item["can_score"] is True
    assert [i["code"] for i in item["indicators"]] == ["expert_judgement"]


def test_scores_are_saved_as_a_draft_then_submitted(db, client, expert_user, mine):
    headers = _headers(db, expert_user)
    draft = _put(client, headers, mine.id, scores={"expert_judgement": 77.5}, comment="")
    assert draft.status_code == 200 and draft.get_json()["status"] == "assigned"
    assert draft.get_json()["indicators"][0]["points"] == 77.5
    done = _put(client, headers, mine.id, scores={"expert_judgement": 80}, comment="规范。", submit=True)
    assert done.status_code == 200 and done.get_json()["status"] == "submitted"
    again = _put(client, headers, mine.id, scores={"expert_judgement": 10}, comment="x")
    assert again.status_code == 409
    assert [s.points for s in _db.session.get(EvaluationAssignment, mine.id).scores] == [80.0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scores": {"expert_judgement": 100.5}, "comment": "x"}, "scores.expert_judgement"),
        ({"scores": {"expert_judgement": 85.55}, "comment": "x"}, "scores.expert_judgement"),
        ({"scores": {"patents": 50}, "comment": "x"}, "scores.patents"),
        ({"scores": {}, "comment": "x", "submit": True}, "scores.expert_judgement"),
        ({"scores": {"expert_judgement": 60}, "comment": " ", "submit": True}, "comment"),
    ],
)
def test_a_field_the_rules_refuse_is_a_422_naming_it(db, client, expert_user, mine, body, field):
    response = _put(client, _headers(db, expert_user), mine.id, **body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_outside_expert_review_scoring_is_a_409(db, client, expert_user, mine):
    mine.participant.campaign.status = "computed"
    db.session.commit()
    response = _put(client, _headers(db, expert_user), mine.id, scores={"expert_judgement": 60})
    assert response.status_code == 409


def test_another_experts_assignment_is_a_404_and_a_non_expert_a_403(db, client, expert_user, mine):
    other = _db.session.scalars(
        _db.select(EvaluationAssignment).where(EvaluationAssignment.id != mine.id)
    ).one()
    headers = _headers(db, expert_user)
    assert _put(client, headers, other.id, scores={"expert_judgement": 60}).status_code == 404
    assert _put(client, headers, 987654, scores={"expert_judgement": 60}).status_code == 404
    firm = _headers(db, factories.UserFactory(role="firm"))
    assert client.get("/api/v1/expert/assignments", headers=firm).status_code == 403
    assert _put(client, firm, mine.id, scores={"expert_judgement": 60}).status_code == 403
    assert client.get("/api/v1/expert/assignments").status_code == 401
