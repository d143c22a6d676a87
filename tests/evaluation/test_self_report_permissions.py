"""Who sees a self-report and its evidence, for every role, before and after publication: the platform's
operators, administrators and the experts assigned to it; nobody else (404, never its data)."""

from __future__ import annotations

import pytest

from marketplace.evaluation import self_report as services
from tests import factories
from tests.evaluation.self_report_world import BEFORE, World, evidence_of, form_data, login, upload_evidence

READERS = {"operator", "admin", "assigned expert"}
EVERYBODY = [
    "anonymous",
    "firm",
    "other operator",
    "unassigned expert",
    "assigned expert",
    "admin",
    "operator",
]
SECRET = "研发经费含横向课题 120 万元"


@pytest.fixture
def world(db, freeze_now, client, auth):
    freeze_now(BEFORE)
    world = World(db)
    auth.as_(world.operator)
    client.post(world.url, data=form_data({"rd_spending": "350"}, rd_spending=SECRET))
    assert upload_evidence(client, world.participant, "财务报表.pdf").status_code == 302
    (world.evidence,) = evidence_of(db, world.participant)
    auth.logout()
    return world


@pytest.mark.parametrize("phase", ["self_report", "expert_review", "published", "locked"])
@pytest.mark.parametrize("role", EVERYBODY)
def test_only_the_platform_the_administrators_and_its_assigned_experts_read_it(
    client, auth, db, world, role, phase
):
    world.campaign.status = phase
    db.session.commit()
    login(auth, world.users[role])
    page = client.get(world.url)
    download = client.get(f"/attachments/{world.evidence.id}")
    if role in READERS:
        assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
        assert "财务报表.pdf" in page.get_data(as_text=True)
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
    elif role == "anonymous":
        assert page.status_code == 302 and "/account/login" in page.headers["Location"]
        assert download.status_code == 404
    else:
        assert page.status_code == 404 and SECRET not in page.get_data(as_text=True)
        assert download.status_code == 404


@pytest.mark.parametrize("role", EVERYBODY)
def test_only_the_platforms_operators_change_it_or_its_evidence(client, auth, db, world, role):
    login(auth, world.users[role])
    client.post(world.url, data=form_data({"rd_spending": "1"}))
    upload = upload_evidence(client, world.participant, "另一份.pdf")
    delete = client.post(f"/attachments/{world.evidence.id}/delete")
    db.session.expire_all()
    files = [a.filename for a in evidence_of(db, world.participant)]
    value = {v.indicator.code: v.value for v in world.participant.values}["rd_spending"]
    if role == "operator":
        assert value == 1.0 and upload.status_code == 302 and delete.status_code == 302
        assert files == ["另一份.pdf"]
    else:
        assert value == 350.0 and files == ["财务报表.pdf"]
        assert upload.status_code in (302, 404) and delete.status_code in (302, 404)
        if role != "anonymous":
            assert upload.status_code == 404 and delete.status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "firm", "operator", "assigned expert"])
def test_only_administrators_return_or_extend(client, auth, db, world, role):
    world.participant.status = "submitted"
    db.session.commit()
    login(auth, world.users[role])
    returned = client.post(f"{world.url}/return", data={"comment": "请修改"})
    extended = client.post(f"{world.url}/extend", data={"until": "2026-04-20"})
    assert returned.status_code in (302, 403) and extended.status_code in (302, 403)
    if role != "anonymous":
        assert returned.status_code == extended.status_code == 403
    db.session.expire_all()
    assert world.participant.status == "submitted" and world.participant.extended_until is None


def test_an_assigned_expert_reads_without_a_form(client, auth, world):
    auth.as_(world.expert)
    page = client.get(world.url).get_data(as_text=True)
    assert SECRET in page and 'name="value_rd_spending"' not in page and 'name="comment"' not in page
    assert 'action="/attachments/evaluation_self_report/' not in page
    assert client.post(world.url, data=form_data({"rd_spending": "1"})).status_code == 404


def test_an_expert_assigned_to_another_platform_reads_only_that_one(client, auth, db, world):
    expert = factories.UserFactory(role="expert")
    factories.EvaluationAssignmentFactory(
        participant=world.other, campaign_id=world.campaign.id, expert=expert
    )
    db.session.commit()
    auth.as_(expert)
    assert client.get(world.url).status_code == 404
    assert client.get(f"/self-reports/{world.other.id}").status_code == 200
    assert client.get(f"/attachments/{world.evidence.id}").status_code == 404


def test_administrators_pages_are_theirs_alone(client, auth, world):
    for role in ("firm", "operator", "assigned expert"):
        auth.as_(world.users[role])
        assert client.get("/admin/self-reports").status_code == 403
        assert client.get(f"/admin/evaluations/{world.campaign.id}/self-reports").status_code == 403
    auth.as_(world.operator)
    assert client.get("/my/self-reports").status_code == 200
    auth.as_(world.admin)
    assert client.get("/my/self-reports").status_code == 403
    assert client.get("/admin/evaluations/987654/self-reports").status_code == 404


def test_the_rule_in_the_service_for_every_role(db, world):
    allowed = {role: services.can_view(user, world.participant) for role, user in world.users.items()}
    assert {role for role, yes in allowed.items() if yes} == READERS
    editors = {role for role, user in world.users.items() if services.can_edit(user, world.participant)}
    assert editors == {"operator"}
    world.campaign.status = "published"
    assert {role for role, user in world.users.items() if services.can_edit(user, world.participant)} == set()
