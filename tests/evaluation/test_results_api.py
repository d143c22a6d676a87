"""`GET /api/v1/evaluations/<year>/results`: public once published, in rank order, 404 before."""

from __future__ import annotations

import pytest

from marketplace.evaluation import results
from tests import factories
from tests.evaluation.results_world import computed_campaign

URL = "/api/v1/evaluations/2025/results"


@pytest.mark.parametrize("status", ["draft", "self_report", "expert_review"])
def test_no_results_before_computation(client, db, status):
    factories.campaign_from_template(2025, status)
    assert client.get(URL).status_code == 404


def test_computed_results_are_404_until_published_even_for_administrators(client, db, admin_user):
    from marketplace.accounts.services import create_api_token

    computed_campaign()
    _, token = create_api_token(admin_user, "t")
    db.session.commit()
    response = client.get(URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.json["message"] == "该年度的绩效评价结果尚未公布"
    assert client.get("/api/v1/evaluations/2031/results").status_code == 404


@pytest.mark.parametrize("status", ["published", "locked"])
def test_published_results_in_rank_order(client, db, status):
    campaign, participants = computed_campaign(status=status)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 20)
    assert [item["platform_ref"] for item in body["items"]] == ["plat-a", "plat-b", "plat-c"]
    first = body["items"][0]
    a = participants["plat-a"]
    assert set(first) == {
        "platform_ref",
        "platform_name",
        "total",
        "rank",
        "grade",
        "grade_label",
        "indicators",
    }
    assert (first["platform_name"], first["total"], first["rank"], first["grade"]) == (
        a.platform.name,
        a.total,
        1,
        "excellent",
    )
    assert set(first["indicators"]) == {i.code for i in campaign.indicators}
    values = results.values_by_code(a)
    assert first["indicators"]["staff"] == {
        "value": 30.0,
        "score": values["staff"].score,
        "weight": 4.0,
        "unit": "人",
    }


def test_results_are_paged(client, db):
    computed_campaign(status="published")
    body = client.get(URL + "?per_page=2&page=2").json
    assert (body["total"], body["page"], body["per_page"]) == (3, 2, 2)
    assert [item["platform_ref"] for item in body["items"]] == ["plat-c"]
    assert client.get(URL + "?per_page=0").status_code == 422


def test_the_endpoint_is_documented(client, db):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/evaluations/{year}/results"]["get"]
    assert {"200", "404"} <= set(operation["responses"])
