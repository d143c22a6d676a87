"""The derivation page of one value: what counts, the numbers, and the bookings counted, for
administrators, the platform's operators and its assigned experts; after publication anyone reads
the definition, counts and formula but never the firms' names. Everybody else: 404."""

from __future__ import annotations

from datetime import datetime

import pytest

from marketplace.core.timeutil import local_zone
from marketplace.evaluation import services
from marketplace.evaluation.models import EvaluationAssignment
from tests import factories as f

FIRM = "潍坊某新材料股份有限公司"


@pytest.fixture
def world(db, admin_user):
    campaign = f.campaign_from_template(2025, status="expert_review")
    platform = f.PlatformFactory(name="被评平台")
    other_platform = f.PlatformFactory(name="另一平台")
    firm = f.UserFactory(role="firm", organization=f.OrganizationFactory(name=FIRM))
    booking = f.BookingFactory(
        offering=f.OfferingFactory(platform=platform),
        requested_by=firm,
        status="confirmed",
        completed_at=datetime(2025, 5, 5, 10, tzinfo=local_zone()),
        price_amount=24_000.0,
        outcome="production",
    )
    participant = f.CampaignParticipantFactory(campaign=campaign, platform=platform, status="submitted")
    f.CampaignParticipantFactory(campaign=campaign, platform=other_platform, status="submitted")
    expert = f.UserFactory(role="expert")
    f.EvaluationAssignmentFactory(participant=participant, campaign_id=campaign.id, expert=expert)
    services.compute(admin_user, campaign)
    users = {
        "admin": admin_user,
        "operator": f.UserFactory(role="operator", organization=platform.organization),
        "other_operator": f.UserFactory(role="operator", organization=other_platform.organization),
        "firm": firm,
        "expert": expert,
        "other_expert": f.UserFactory(role="expert"),
    }
    db.session.commit()
    return campaign, platform, booking, users


def url(platform, code="completed_work"):
    return f"/evaluation/2025/platforms/{platform.ref}/indicators/{code}"


@pytest.mark.parametrize("role", ["admin", "operator", "expert"])
def test_the_three_see_the_value_its_derivation_and_the_bookings_counted(client, auth, world, role):
    campaign, platform, booking, users = world
    auth.as_(users[role])
    page = client.get(url(platform)).get_data(as_text=True)
    assert (
        "完成对外服务" in page and "本年度完成（已完成或已验收）的预约和服务订单数" in page
    )  # the definition
    assert "1 项预约 + 0 项订单 = 1 项" in page  # the formula with its numbers
    assert "100 × 1 ÷ 目标值 50 = 2.00，得 2.00 分" in page  # the rule with its numbers
    assert booking.ref in page and FIRM in page  # the booking counted, with the firm
    linked = f"/bookings/{booking.id}" in page
    assert linked == (role in ("admin", "operator"))  # experts read the ref; the booking page is not theirs


@pytest.mark.parametrize("role", ["other_operator", "firm", "other_expert", None])
def test_everybody_else_gets_404_before_publication(client, auth, world, role):
    campaign, platform, _booking, users = world
    if role:
        auth.as_(users[role])
    assert client.get(url(platform)).status_code == 404
    assert client.get(url(platform, "revenue")).status_code == 404


def test_after_publication_anyone_reads_counts_and_formula_but_not_the_bookings(client, world, db):
    campaign, platform, booking, _users = world
    campaign.status = "published"
    db.session.commit()
    page = client.get(url(platform, "revenue")).get_data(as_text=True)
    assert "24,000.00 元 ÷ 10,000 = 2.40 万元" in page
    assert booking.ref not in page and FIRM not in page
    assert "仅向管理员、该平台运营方和评审专家显示" in page


def test_unknown_years_platforms_and_codes_are_404(client, auth, world):
    campaign, platform, _booking, users = world
    auth.as_(users["admin"])
    assert (
        client.get(f"/evaluation/2024/platforms/{platform.ref}/indicators/completed_work").status_code == 404
    )
    assert client.get("/evaluation/2025/platforms/plat-nope/indicators/completed_work").status_code == 404
    assert client.get(url(platform, "nope")).status_code == 404


def test_expert_values_show_the_points_and_the_rule(client, auth, world, db):
    campaign, platform, _booking, users = world
    assignment = db.session.scalar(db.select(EvaluationAssignment))
    expert_indicator = next(i for i in campaign.indicators if i.source == "expert")
    f.ExpertScoreFactory(assignment=assignment, indicator=expert_indicator, points=86)
    assignment.submitted_at = datetime(2026, 1, 5, tzinfo=local_zone())
    services.compute(users["admin"], campaign)
    db.session.commit()
    auth.as_(users["operator"])
    page = client.get(url(platform, "expert_judgement")).get_data(as_text=True)
    assert "1 位专家评分（不足 5 位），取算术平均" in page and "86" in page


def test_can_view_participant_is_the_one_rule(world, db):
    campaign, platform, _booking, users = world
    participant = next(p for p in campaign.participants if p.platform_id == platform.id)
    allowed = {role for role, user in users.items() if services.can_view_participant(user, participant)}
    assert allowed == {"admin", "operator", "expert"}
    campaign.status = "locked"
    assert all(services.can_view_participant(user, participant) for user in users.values())
    assert not services.can_see_evidence(users["firm"], participant)
