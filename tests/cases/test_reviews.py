"""Expert review of nominations: assignment under the conflict rule (the page says why), the rubric
(0-100 each, only in the review phase, only one's own, read-only once submitted) and the case's score
(the same trimming as the evaluation: five or more reviews drop the highest and the lowest)."""

from __future__ import annotations

import re

import pytest

from marketplace.cases import services
from marketplace.core.errors import Conflict, DomainError
from tests import factories
from tests.html import form_fields


@pytest.fixture
def submitted(db, world):
    nomination = factories.CaseNominationFactory(
        round=world.round, platform=world.platform, status="submitted"
    )
    db.session.commit()
    return nomination


def test_an_expert_of_the_platforms_organisation_or_with_a_declared_conflict_is_never_assigned(
    client, auth, db, world, submitted
):
    colleague = factories.UserFactory(
        role="expert", organization=world.platform.organization, name="同单位专家"
    )
    declared = factories.UserFactory(role="expert", name="声明回避专家")
    factories.ConflictDeclarationFactory(expert=declared, platform=world.platform)
    free = factories.UserFactory(role="expert", name="无冲突专家")
    db.session.commit()
    for expert in (colleague, declared):
        with pytest.raises(DomainError):
            services.assign_experts(world.admin, submitted, [expert.id])
    assert submitted.reviews == []

    auth.as_(world.admin)
    page = client.get(f"/admin/cases/nominations/{submitted.id}").get_data(as_text=True)
    assert "专家与该平台属于同一单位" in page and "专家已声明与该平台存在利益冲突" in page
    boxes = dict(re.findall(r'name="assign-experts" value="(\d+)"([^>]*)>', page))
    assert "disabled" in boxes[str(colleague.id)] and "disabled" in boxes[str(declared.id)]
    assert "disabled" not in boxes[str(free.id)]
    # a forged post with a conflicted expert is refused beside the field, and nobody is assigned
    refused = client.post(
        f"/admin/cases/nominations/{submitted.id}",
        data={"form": "assign", "assign-experts": [str(free.id), str(declared.id)]},
    ).get_data(as_text=True)
    assert "声明回避专家：专家已声明与该平台存在利益冲突" in refused
    assert submitted.reviews == []
    client.post(
        f"/admin/cases/nominations/{submitted.id}", data={"form": "assign", "assign-experts": [str(free.id)]}
    )
    db.session.refresh(submitted)
    assert [r.expert_id for r in submitted.reviews] == [free.id]


def scores(points=80) -> dict:
    return {"innovation": points, "demonstration": points, "replicability": points, "effect": points}


def test_rubric_scores_are_0_to_100_and_only_in_the_review_phase(db, world, submitted):
    expert = factories.UserFactory(role="expert")
    services.assign_experts(world.admin, submitted, [expert.id])
    review = submitted.reviews[0]
    with pytest.raises(Conflict):  # the round still takes nominations
        services.save_review(expert, review, scores(), submit=True)
    world.round.status = "reviewing"
    with pytest.raises(DomainError) as refused:
        services.save_review(expert, review, {**scores(), "effect": 101}, submit=True)
    assert refused.value.errors == [("effect", "实际成效应在 0 到 100 之间。")]
    with pytest.raises(DomainError) as refused:
        services.save_review(expert, review, {"innovation": 90}, submit=True)
    assert {field for field, _ in refused.value.errors} == {"demonstration", "replicability", "effect"}
    services.save_review(expert, review, {"innovation": 90}, "先存一下")  # saving needs no complete rubric
    assert review.innovation == 90 and review.submitted_at is None and submitted.score is None
    services.save_review(
        expert, review, {"demonstration": 70, "replicability": 60, "effect": 80}, submit=True
    )
    assert review.mean == 75 and submitted.score == 75
    with pytest.raises(Conflict):
        services.save_review(expert, review, scores(100), submit=True)
    assert review.innovation == 90


def test_trimming_only_with_five_reviews_or_more(db, world, submitted):
    world.round.status = "reviewing"
    experts = [factories.UserFactory(role="expert") for _ in range(5)]
    services.assign_experts(world.admin, submitted, [e.id for e in experts])
    reviews = {r.expert_id: r for r in submitted.reviews}
    for expert, points in zip(experts[:4], (40, 70, 80, 100), strict=True):
        services.save_review(expert, reviews[expert.id], scores(points), submit=True)
    assert submitted.score == 72.5  # four: the plain mean
    services.save_review(experts[4], reviews[experts[4].id], scores(90), submit=True)
    assert submitted.score == 80.0  # five: 40 and 100 dropped, mean of 70, 80, 90
    assert "去掉一个最高分和一个最低分" in services.expert_result(submitted).rule


def test_an_expert_reaches_only_their_own_reviews(client, auth, db, world, submitted):
    mine, theirs = factories.UserFactory(role="expert"), factories.UserFactory(role="expert")
    services.assign_experts(world.admin, submitted, [mine.id, theirs.id])
    world.round.status = "reviewing"
    db.session.commit()
    own = next(r for r in submitted.reviews if r.expert_id == mine.id)
    other = next(r for r in submitted.reviews if r.expert_id == theirs.id)
    auth.as_(mine)
    listing = client.get("/expert/").get_data(as_text=True)  # the experts' workspace lists case reviews
    assert submitted.title in listing and f"/expert/cases/{own.id}" in listing
    assert f"/expert/cases/{other.id}" not in listing
    assert client.get(f"/expert/cases/{other.id}").status_code == 404
    assert client.post(f"/expert/cases/{other.id}", data={"innovation": "100"}).status_code == 404
    page = client.post(
        f"/expert/cases/{own.id}",
        data={
            "innovation": "120",
            "demonstration": "80",
            "replicability": "80",
            "effect": "80",
            "submit": "1",
        },
    ).get_data(as_text=True)
    assert "创新性应在 0 到 100 之间。" in form_fields(page)["innovation"].errors
    client.post(
        f"/expert/cases/{own.id}",
        data={
            "innovation": "90",
            "demonstration": "80",
            "replicability": "70",
            "effect": "60",
            "comment": "可推广性强",
            "submit": "1",
        },
    )
    db.session.refresh(own)
    assert own.submitted_at is not None and own.mean == 75
    page = client.get(f"/expert/cases/{own.id}").get_data(as_text=True)
    assert "不能修改" in page and "innovation" not in form_fields(page)
    auth.as_(world.operator)
    assert client.get(f"/expert/cases/{own.id}").status_code == 403


def test_declaring_a_conflict_withdraws_the_experts_unsubmitted_case_reviews(
    client, auth, db, world, submitted
):
    from marketplace.experts import services as experts

    expert = factories.UserFactory(role="expert")
    services.assign_experts(world.admin, submitted, [expert.id])
    world.round.status = "reviewing"
    db.session.commit()
    experts.declare_conflict(expert, submitted.platform_id, "曾参与该平台的项目。")
    db.session.commit()
    assert submitted.reviews == []
    auth.as_(expert)
    assert submitted.title not in client.get("/expert/").get_data(as_text=True)
