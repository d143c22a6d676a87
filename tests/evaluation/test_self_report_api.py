"""The self-report through /api/v1: the same rules as the pages (422 naming the field, 409 for the
phase, a submitted report or a passed deadline, 404 for other platforms' reports)."""

from __future__ import annotations

from datetime import date

import pytest

from marketplace.accounts.services import create_api_token
from tests.conftest import Auth
from tests.evaluation.self_report_world import BEFORE, NEXT_DAY, World, upload_evidence

ZEROS = {code: {"value": 0} for code in ("rd_spending", "patents", "standards", "staff")}


@pytest.fixture
def world(db, freeze_now):
    freeze_now(BEFORE)
    world = World(db)
    world.tokens = {}
    for role, user in world.users.items():
        if user is not None:
            world.tokens[role] = {"Authorization": f"Bearer {create_api_token(user, 'test')[1]}"}
    db.session.commit()
    return world


def url(world, suffix: str = "") -> str:
    return f"/api/v1/evaluations/2025/self-reports/{world.platform.ref}{suffix}"


def test_the_operator_reads_fills_and_submits(client, db, world):
    headers = world.tokens["operator"]
    body = client.get(url(world), headers=headers).get_json()
    assert body["status"] == "draft" and body["editable"] is True
    assert body["deadline"] == "2026-03-31" and body["platform_name"] == "青岛海洋生物发酵中试平台"
    assert body["values"]["patents"]["value"] is None
    assert "专利证书" in body["values"]["patents"]["description"]
    assert "conversions" not in body["values"]  # computed: not the platform's to fill

    response = client.put(
        url(world),
        json={"values": {"patents": {"value": 3, "explanation": "3 件发明专利"}, "staff": {"value": 0}}},
        headers=headers,
    )
    assert response.status_code == 200
    values = response.get_json()["values"]
    assert values["patents"] == {**values["patents"], "value": 3.0, "explanation": "3 件发明专利"}
    assert values["staff"]["value"] == 0.0 and values["rd_spending"]["value"] is None

    response = client.post(url(world, "/submit"), headers=headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert errors["values.rd_spending.value"] == ["请填写“研发经费投入”（没有请填 0）。"]
    assert "evidence" in errors  # 3 patents need their certificates

    client.put(
        url(world),
        json={"values": {"rd_spending": {"value": 120.5}, "standards": {"value": 0}}},
        headers=headers,
    )
    Auth(client).as_(world.operator)  # evidence files are uploaded on the page
    assert upload_evidence(client, world.participant).status_code == 302
    response = client.post(url(world, "/submit"), headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "submitted" and body["editable"] is False
    assert body["submitted_at"].endswith("+08:00") and len(body["evidence"]) == 1

    response = client.put(url(world), json={"values": {"patents": {"value": 4}}}, headers=headers)
    assert response.status_code == 409
    assert "自评已提交" in response.get_json()["errors"]["json"]["status"][0]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"patents": {"value": 2.5}}, "values.patents.value", "授权发明专利应为整数。"),
        ({"nope": {"value": 1}}, "values.nope.value", "不是本次评价需要平台填报的指标。"),
        ({"conversions": {"value": 1}}, "values.conversions.value", "不是本次评价需要平台填报的指标。"),
    ],
)
def test_refusals_name_the_field(client, db, world, values, field, message):
    response = client.put(url(world), json={"values": values}, headers=world.tokens["operator"])
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"][field] == [message]


@pytest.mark.parametrize("value", [-1, 1e12, "3", True])
def test_the_schema_refuses_what_is_no_figure(client, world, value):
    response = client.put(
        url(world), json={"values": {"patents": {"value": value}}}, headers=world.tokens["operator"]
    )
    assert response.status_code == 422


def test_after_the_deadline_submission_is_a_conflict(client, db, world, freeze_now):
    freeze_now(NEXT_DAY)
    headers = world.tokens["operator"]
    assert client.put(url(world), json={"values": ZEROS}, headers=headers).status_code == 200  # a draft
    response = client.post(url(world, "/submit"), headers=headers)
    assert response.status_code == 409
    assert "需要管理员批准延期" in response.get_json()["errors"]["json"]["status"][0]
    world.participant.extended_until = date(2026, 4, 5)
    db.session.commit()
    assert client.post(url(world, "/submit"), headers=headers).status_code == 200


def test_out_of_phase_is_a_conflict(client, db, world):
    world.campaign.status = "expert_review"
    db.session.commit()
    response = client.put(url(world), json={"values": ZEROS}, headers=world.tokens["operator"])
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("operator", 200, 200),
        ("admin", 200, 403),
        ("assigned expert", 200, 403),
        ("unassigned expert", 404, 404),
        ("other operator", 404, 404),
        ("firm", 404, 404),
    ],
)
def test_who_reads_and_who_writes(client, db, world, role, read, write):
    headers = world.tokens[role]
    assert client.get(url(world), headers=headers).status_code == read
    assert client.put(url(world), json={"values": ZEROS}, headers=headers).status_code == write
    assert client.post(url(world, "/submit"), headers=headers).status_code == write


def test_without_a_token_or_for_unknown_reports(client, world):
    assert client.get(url(world)).status_code == 401
    assert client.put(url(world), json={"values": ZEROS}).status_code == 401
    headers = world.tokens["operator"]
    assert (
        client.get("/api/v1/evaluations/2024/self-reports/" + world.platform.ref, headers=headers).status_code
        == 404
    )
    assert client.get("/api/v1/evaluations/2025/self-reports/plat-nope", headers=headers).status_code == 404


def test_documented_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = spec["paths"]["/api/v1/evaluations/{year}/self-reports/{platform_ref}"]
    assert {"get", "put"} <= set(operations)
    assert "409" in operations["put"]["responses"] and "404" in operations["get"]["responses"]
    assert "post" in spec["paths"]["/api/v1/evaluations/{year}/self-reports/{platform_ref}/submit"]
