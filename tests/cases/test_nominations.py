"""Nominations: operators nominate their platforms' cases with their own completed work as evidence
(another platform's booking is refused beside the field), before the deadline; submit, withdraw,
returned by an administrator with a comment; a platform sees only its own nominations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.cases import services
from marketplace.cases.models import NOMINATION_WORKFLOW, CaseNomination
from marketplace.core.errors import Conflict, DomainError, Forbidden
from marketplace.core.timeutil import local_today
from marketplace.notifications.models import Notification
from tests import factories
from tests.cases.conftest import nomination_data
from tests.html import form_fields


def form(w, **extra) -> dict:
    data = nomination_data(w, **extra)
    evidence = data.pop("evidence")
    return {**data, "platform_id": str(w.platform.id), "evidence": [str(e) for e in evidence]}


def test_an_operator_nominates_a_case_with_their_done_work_and_submits_it(client, auth, db, world):
    auth.as_(world.operator)
    picker = client.get(f"/my/cases/rounds/{world.round.id}/new").get_data(as_text=True)
    assert world.done.title in picker and world.other_done.title not in picker
    response = client.post(f"/my/cases/rounds/{world.round.id}/new", data=form(world))
    nomination = db.session.scalar(db.select(CaseNomination))
    assert response.status_code == 302
    assert (nomination.status, nomination.platform_id) == ("draft", world.platform.id)
    assert nomination.evidence == [world.done]
    client.post(f"/my/cases/{nomination.id}/submit")
    db.session.refresh(nomination)
    assert nomination.status == "submitted" and nomination.submitted_at is not None
    assert [h.new_state for h in NOMINATION_WORKFLOW.history(nomination)] == ["draft", "submitted"]


def test_another_platforms_booking_is_refused_beside_the_evidence_field(client, auth, db, world):
    auth.as_(world.operator)
    page = client.post(
        f"/my/cases/rounds/{world.round.id}/new", data=form(world, evidence=[world.other_done.id])
    ).get_data(as_text=True)
    assert "只能选择本平台已完成的预约或订单作为佐证。" in form_fields(page)["evidence"].errors
    assert db.session.scalar(db.select(db.func.count(CaseNomination.id))) == 0


def test_work_not_yet_done_is_no_evidence(db, world):
    pending = factories.BookingFactory(offering=world.done.offering, status="accepted")
    with pytest.raises(DomainError) as refused:
        services.create_nomination(
            world.operator, world.round, world.platform.id, nomination_data(world, evidence=[pending.id])
        )
    assert refused.value.errors == [("evidence", "只能选择本平台已完成的预约或订单作为佐证。")]


def test_missing_fields_are_named(client, auth, db, world):
    auth.as_(world.operator)
    page = client.post(
        f"/my/cases/rounds/{world.round.id}/new", data=form(world, title="", results="")
    ).get_data(as_text=True)
    fields = form_fields(page)
    assert fields["title"].errors and fields["results"].errors
    assert fields["title"].marked_required


def test_submitting_needs_evidence(db, world):
    nomination = services.create_nomination(
        world.operator, world.round, world.platform.id, nomination_data(world, evidence=[])
    )
    with pytest.raises(DomainError) as refused:
        services.submit_nomination(world.operator, nomination)
    assert refused.value.errors[0][0] == "evidence" and nomination.status == "draft"


def test_no_nomination_after_the_deadline(db, world, freeze_now):
    nomination = services.create_nomination(
        world.operator, world.round, world.platform.id, nomination_data(world)
    )
    world.round.nomination_deadline = local_today() - timedelta(days=1)
    with pytest.raises(Conflict):
        services.submit_nomination(world.operator, nomination)
    with pytest.raises(Conflict):
        services.create_nomination(world.operator, world.round, world.platform.id, nomination_data(world))
    with pytest.raises(Conflict):
        services.update_nomination(world.operator, nomination, nomination_data(world, title="改"))


def test_only_an_approved_platform_of_ones_own_nominates(db, world):
    with pytest.raises(DomainError):
        services.create_nomination(
            world.operator, world.round, world.other_platform.id, nomination_data(world)
        )
    pending = factories.PlatformFactory(organization=world.operator.organization, status="submitted")
    with pytest.raises(DomainError):
        services.create_nomination(world.operator, world.round, pending.id, nomination_data(world))
    firm = factories.UserFactory(role="firm")
    with pytest.raises(Forbidden):
        services.create_nomination(firm, world.round, world.platform.id, nomination_data(world))


def test_returned_with_a_comment_the_operator_is_told_corrects_and_submits_again(db, world):
    nomination = services.create_nomination(
        world.operator, world.round, world.platform.id, nomination_data(world)
    )
    services.submit_nomination(world.operator, nomination)
    with pytest.raises(DomainError):
        services.return_nomination(world.admin, nomination, "  ")
    services.return_nomination(world.admin, nomination, "请补充成效数据的来源。")
    assert nomination.status == "returned" and nomination.return_comment == "请补充成效数据的来源。"
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == world.operator.id))
    assert "请补充成效数据的来源。" in notice.message
    # a returned nomination may be corrected even after the deadline while the round takes nominations
    world.round.nomination_deadline = local_today() - timedelta(days=1)
    services.update_nomination(
        world.operator, nomination, nomination_data(world, results="表达量 3.2 g/L（第三方检测）")
    )
    services.submit_nomination(world.operator, nomination)
    assert nomination.status == "submitted" and nomination.return_comment == ""


def test_withdraw_until_publication(db, world):
    nomination = services.create_nomination(
        world.operator, world.round, world.platform.id, nomination_data(world)
    )
    services.submit_nomination(world.operator, nomination)
    services.withdraw_nomination(world.operator, nomination)
    assert nomination.status == "withdrawn"
    with pytest.raises(Conflict):
        services.submit_nomination(world.operator, nomination)


def test_a_platform_sees_only_its_own_nominations(client, auth, db, world):
    theirs = factories.CaseNominationFactory(
        round=world.round, platform=world.other_platform, title="别家的案例"
    )
    mine = factories.CaseNominationFactory(round=world.round, platform=world.platform, title="本平台的案例")
    db.session.commit()
    auth.as_(world.operator)
    listing = client.get("/my/cases/").get_data(as_text=True)
    assert "本平台的案例" in listing and "别家的案例" not in listing
    assert client.get(f"/my/cases/{mine.id}").status_code == 200
    assert client.get(f"/my/cases/{theirs.id}").status_code == 404
    assert client.get(f"/my/cases/{theirs.id}/edit").status_code == 404
    assert client.post(f"/my/cases/{theirs.id}/withdraw").status_code == 404
    assert client.get(f"/cases/{theirs.id}").status_code == 404  # not public before publication
    assert theirs.status == "submitted"
