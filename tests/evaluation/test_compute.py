"""compute end to end: computed, self-reported and expert values, scores, totals, ranks, grades and
flags (fail, fail_twice, no_self_report); the audit row of the phase change; the CLI."""

from __future__ import annotations

from datetime import datetime

import pytest

from marketplace.core.errors import DomainError, Forbidden
from marketplace.core.models import AuditLog
from marketplace.core.timeutil import local_zone
from marketplace.evaluation import services
from tests import factories as f


def local(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=local_zone())


@pytest.fixture
def campaign(db):
    """2025 in expert review: 完成对外服务 (target 4, 40 points), 研发经费 (self-reported, min-max,
    30 points), 专家评议 (30 points); platforms A, B (both submitted) and C (never submitted)."""
    campaign = f.EvaluationCampaignFactory(year=2025, status="expert_review")
    dim = f.EvaluationDimensionFactory(campaign=campaign, code="all", name="综合")
    cw = f.EvaluationIndicatorFactory(
        dimension=dim, code="cw", weight=40, metric="completed_work", rule="target", target=4
    )
    rd = f.EvaluationIndicatorFactory(
        dimension=dim, code="rd", weight=30, source="self_reported", metric=None, rule="minmax", unit="万元"
    )
    ex = f.EvaluationIndicatorFactory(
        dimension=dim, code="ex", weight=30, source="expert", metric=None, rule="expert"
    )
    a, b, c = (f.PlatformFactory(name=n) for n in ("甲平台", "乙平台", "丙平台"))
    participants = {}
    for platform, status, rd_value in ((a, "submitted", 10.0), (b, "submitted", 4.0), (c, "draft", 8.0)):
        p = f.CampaignParticipantFactory(campaign=campaign, platform=platform, status=status)
        for indicator in (cw, rd, ex):
            f.IndicatorValueFactory(
                participant=p, indicator=indicator, value=rd_value if indicator is rd else None
            )
        participants[platform.name] = p
    # A: three pieces of done work for other firms in 2025 (one more in 2024 does not count).
    for when in (local(2025, 2, 1), local(2025, 6, 1), local(2025, 11, 30)):
        f.BookingFactory(offering=f.OfferingFactory(platform=a), status="confirmed", completed_at=when)
    f.BookingFactory(
        offering=f.OfferingFactory(platform=a), status="confirmed", completed_at=local(2024, 6, 1)
    )

    def scored(p, *points, submitted=True):
        for point in points:
            assignment = f.EvaluationAssignmentFactory(
                participant=p, campaign_id=campaign.id, submitted_at=local(2026, 1, 10) if submitted else None
            )
            f.ExpertScoreFactory(assignment=assignment, indicator=ex, points=point)

    scored(participants["甲平台"], 90, 80, 70, 60, 100)  # five: drop 100 and 60 → (70 + 80 + 90) ÷ 3 = 80
    scored(participants["乙平台"], 50, 70)  # two: plain mean 60
    scored(participants["丙平台"], 40)
    scored(participants["丙平台"], 95, submitted=False)  # not submitted: not counted
    # Last year's published results: B failed (so fails twice now); C was good.
    last = f.EvaluationCampaignFactory(year=2024, status="locked")
    f.CampaignParticipantFactory(campaign=last, platform=b, grade="fail", status="submitted")
    f.CampaignParticipantFactory(campaign=last, platform=c, grade="good", status="submitted")
    return campaign, participants


def test_compute_fills_values_and_scores_ranks_grades_and_flags(campaign, admin_user, db):
    campaign, ps = campaign
    services.compute(admin_user, campaign)
    db.session.commit()
    a, b, c = ps["甲平台"], ps["乙平台"], ps["丙平台"]
    values = {(p.platform.name, v.indicator.code): v for p in (a, b, c) for v in p.values}
    # 完成对外服务: A 3 of target 4 → 75; B and C none → 0.
    assert values["甲平台", "cw"].value == 3 and values["甲平台", "cw"].score == 75
    assert values["乙平台", "cw"].score == 0
    # 研发经费 min-max over the submitted reports only (A 10, B 4): C's unsubmitted 8 counts as missing.
    assert (values["甲平台", "rd"].score, values["乙平台", "rd"].score, values["丙平台", "rd"].score) == (
        100,
        0,
        0,
    )
    # Experts: A trimmed mean 80, B plain mean 60, C 40 (the unsubmitted 95 is not counted).
    assert values["甲平台", "ex"].value == 80
    assert values["甲平台", "ex"].derivation["dropped"] == [60, 100]
    assert "去掉一个最高分和一个最低分" in values["甲平台", "ex"].derivation["rule"]
    assert values["乙平台", "ex"].value == 60 and values["丙平台", "ex"].value == 40
    # Totals: A 40×75% + 30×100% + 30×80% = 84; B 30×60% = 18; C 30×40% = 12.
    assert (a.total, b.total, c.total) == (84, 18, 12)
    assert (a.rank, b.rank, c.rank) == (1, 2, 3)
    assert (a.grade, b.grade, c.grade) == ("good", "fail", "fail")
    assert a.dimension_scores == {"all": {"score": 84, "rank": 1}}
    assert a.flags == []
    assert set(b.flags) == {"fail", "fail_twice"}  # failed in 2024's published results too
    assert set(c.flags) == {"fail", "no_self_report"}  # 2024: good; 2025: never submitted
    assert campaign.status == "computed" and campaign.computed_at is not None
    audit = db.session.scalars(
        db.select(AuditLog).where(
            AuditLog.object_type == "evaluation_campaign", AuditLog.object_id == campaign.id
        )
    ).all()
    assert [(row.old_state, row.new_state, row.actor_id) for row in audit] == [
        ("expert_review", "computed", admin_user.id)
    ]


def test_a_previous_year_that_was_never_published_does_not_make_a_second_fail(campaign, admin_user, db):
    campaign, ps = campaign
    last = db.session.scalar(db.select(type(campaign)).where(type(campaign).year == 2024))
    last.status = "computed"  # results never published: not an official grade
    services.compute(admin_user, campaign)
    assert ps["乙平台"].flags == ["fail"]


def test_compute_again_replaces_the_results(campaign, admin_user, db):
    campaign, ps = campaign
    services.compute(admin_user, campaign)
    ps["丙平台"].status = "submitted"  # the administrator accepted C's report after all
    services.compute(admin_user, campaign)
    assert "no_self_report" not in ps["丙平台"].flags
    # C's 8 now counts between B's 4 and A's 10: (8 − 4) ÷ (10 − 4) = 66.67 % of 30 points + 12.
    assert ps["丙平台"].total == pytest.approx(32.0)
    assert ps["丙平台"].rank == 2


def test_compute_is_refused_outside_review_for_others_and_with_bad_weights(campaign, admin_user, db):
    campaign, _ = campaign
    with pytest.raises(Forbidden):
        services.compute(f.UserFactory(role="operator"), campaign)
    campaign.status = "self_report"
    with pytest.raises(DomainError, match="不能计算"):
        services.compute(admin_user, campaign)
    campaign.status = "expert_review"
    campaign.indicators[0].weight = 35
    with pytest.raises(DomainError, match="权重合计为 95"):
        services.compute(admin_user, campaign)
    assert all(p.total is None for p in campaign.participants)


def test_cli_computes_and_prints_a_summary(campaign, runner, db):
    campaign, ps = campaign
    db.session.commit()
    result = runner.invoke(args=["evaluation", "compute", "2025"])
    assert result.exit_code == 0, result.output
    assert "2025 年度：已计算 3 个参评平台的结果（良好 1，不合格 2）。" in result.output
    db.session.expire_all()
    assert ps["甲平台"].total == 84
    audit = db.session.scalar(
        db.select(AuditLog).where(
            AuditLog.object_type == "evaluation_campaign", AuditLog.new_state == "computed"
        )
    )
    assert audit.actor_id is None and "命令行" in audit.reason


def test_cli_refuses_with_the_reason(campaign, runner, db):
    campaign, _ = campaign
    campaign.status = "draft"
    db.session.commit()
    unknown = runner.invoke(args=["evaluation", "compute", "2019"])
    assert unknown.exit_code == 1 and "没有 2019 年度的绩效评价" in unknown.output
    wrong_phase = runner.invoke(args=["evaluation", "compute", "2025"])
    assert wrong_phase.exit_code == 1 and "当前阶段“草稿”不能计算结果" in wrong_phase.output


def test_a_platform_without_any_expert_score_is_flagged(campaign, admin_user, db):
    campaign, ps = campaign
    no_experts = f.CampaignParticipantFactory(campaign=campaign, platform=f.PlatformFactory(name="丁平台"))
    services.compute(admin_user, campaign)
    assert "no_expert_scores" in no_experts.flags
    assert all("no_expert_scores" not in p.flags for p in ps.values())


def test_starting_the_review_fills_the_computed_figures_the_experts_read(
    campaign, admin_user, client, auth, db
):
    campaign, ps = campaign
    campaign.status = "self_report"
    campaign.self_report_deadline = local(2025, 12, 31).date()  # in the past: self-reports closed
    services.start_review(admin_user, campaign)
    db.session.commit()
    a = ps["甲平台"]
    completed = next(v for v in a.values if v.indicator.code == "cw")
    assert completed.value == 3 and completed.score is None  # the figure, not yet a score
    assignment = next(x for x in db.session.scalars(db.select(f.EvaluationAssignment)) if x.participant is a)
    auth.as_(assignment.expert)
    page = client.get(f"/expert/evaluation/{assignment.id}").get_data(as_text=True)
    assert "3.0 项" in page and "尚未计算" not in page  # 完成对外服务, as the data stood


def test_publish_and_lock_are_offered_on_the_administrators_campaign_page(
    campaign, admin_user, client, auth, db
):
    campaign, _ = campaign
    services.compute(admin_user, campaign)
    db.session.commit()
    auth.as_(admin_user)
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert "公布结果" in page and "自评填报情况" in page and "专家分配与评分" in page
    client.post("/admin/evaluation/2025/publish")
    assert services.get_campaign(2025).status == "published"
    assert "锁定" in client.get("/admin/evaluation/2025").get_data(as_text=True)
    client.post("/admin/evaluation/2025/lock")
    assert services.get_campaign(2025).status == "locked"
