"""The cases API: the public list of selected cases of published rounds, and the experts' rubric
scores with the same rules as the page (404 for other experts' reviews, 409 out of phase or once
submitted, 422 naming the criterion)."""

from __future__ import annotations

import pytest

from marketplace.accounts.services import create_api_token
from marketplace.cases import services
from tests import factories


def headers_for(db, user) -> dict:
    _, token = create_api_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_public_list_of_selected_cases(client, db, world):
    old = factories.SelectionRoundFactory(year=2024, status="published")
    case = factories.CaseNominationFactory(
        round=old, platform=world.platform, status="selected", title="入选案例"
    )
    factories.CaseNominationFactory(round=old, platform=world.platform, status="not_selected", title="落选")
    factories.CaseNominationFactory(
        round=old, platform=world.platform, status="selected", category="application", title="应用"
    )
    factories.CaseNominationFactory(
        round=world.round, platform=world.platform, status="selected"
    )  # unpublished
    db.session.commit()
    body = client.get("/api/v1/cases?year=2024&category=service").get_json()
    assert body["total"] == 1 and (body["page"], body["per_page"]) == (1, 20)
    item = body["items"][0]
    assert item == {
        "ref": case.ref,
        "year": 2024,
        "category": "service",
        "title": "入选案例",
        "platform_ref": world.platform.ref,
        "platform_name": world.platform.name,
        "problem": case.problem,
        "approach": case.approach,
        "results": case.results,
        "url": f"http://localhost/cases/{case.id}",
    }
    assert client.get("/api/v1/cases").get_json()["total"] == 2
    assert client.get("/api/v1/cases?year=2025").get_json()["total"] == 0
    assert client.get("/api/v1/cases?category=other").status_code == 422


@pytest.fixture
def assigned(db, world):
    nomination = factories.CaseNominationFactory(round=world.round, platform=world.platform)
    expert, other = factories.UserFactory(role="expert"), factories.UserFactory(role="expert")
    services.assign_experts(world.admin, nomination, [expert.id, other.id])
    world.round.status = "reviewing"
    db.session.commit()
    reviews = {r.expert_id: r for r in nomination.reviews}
    return nomination, (expert, reviews[expert.id]), (other, reviews[other.id])


def test_an_expert_lists_and_scores_their_reviews(client, db, assigned):
    nomination, (expert, review), (_other, other_review) = assigned
    headers = headers_for(db, expert)
    listing = client.get("/api/v1/expert/case-reviews", headers=headers).get_json()
    assert [i["id"] for i in listing["items"]] == [review.id] and listing["items"][0]["editable"]
    url = f"/api/v1/expert/case-reviews/{review.id}"
    saved = client.put(url, json={"scores": {"innovation": 90}, "comment": "草稿"}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["scores"]["innovation"] == 90
    missing = client.put(url, json={"scores": {"demonstration": 80}, "submit": True}, headers=headers)
    assert missing.status_code == 422 and set(missing.get_json()["errors"]["json"]) == {
        "replicability",
        "effect",
    }
    too_high = client.put(url, json={"scores": {"effect": 101}}, headers=headers)
    assert too_high.status_code == 422
    done = client.put(
        url,
        json={"scores": {"demonstration": 80, "replicability": 70, "effect": 60}, "submit": True},
        headers=headers,
    )
    assert done.status_code == 200 and done.get_json()["mean"] == 75 and not done.get_json()["editable"]
    db.session.refresh(nomination)
    assert nomination.score == 75
    again = client.put(url, json={"scores": {"effect": 100}, "submit": True}, headers=headers)
    assert again.status_code == 409
    assert (
        client.put(
            f"/api/v1/expert/case-reviews/{other_review.id}", json={"scores": {"effect": 1}}, headers=headers
        ).status_code
        == 404
    )


def test_out_of_phase_and_other_roles(client, db, world, assigned):
    _nomination, (expert, review), _ = assigned
    world.round.status = "nominating"
    db.session.commit()
    headers = headers_for(db, expert)
    response = client.put(
        f"/api/v1/expert/case-reviews/{review.id}", json={"scores": {"effect": 1}}, headers=headers
    )
    assert response.status_code == 409
    assert client.get("/api/v1/expert/case-reviews").status_code == 401
    assert (
        client.get("/api/v1/expert/case-reviews", headers=headers_for(db, world.operator)).status_code == 403
    )
