"""Publication, locking and corrections of a campaign's results (evaluation/results.py), and the
`flask evaluation publish` / `export` commands."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.core.errors import Conflict, DomainError, Forbidden
from marketplace.core.models import AuditLog
from marketplace.evaluation import results, services
from marketplace.evaluation.models import ScoreCorrection
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests import factories
from tests.evaluation.results_world import REFS, computed_campaign


def _audit(campaign):
    return db.session.scalars(
        select(AuditLog)
        .where(AuditLog.object_type == "evaluation_campaign", AuditLog.object_id == campaign.id)
        .order_by(AuditLog.id)
    ).all()


# ---------------------------------------------------------------- publish and lock


def test_an_administrator_publishes_computed_results_and_every_platform_is_told(db, admin_user):
    campaign, participants = computed_campaign()
    results.publish(admin_user, campaign)
    db.session.commit()
    assert campaign.status == "published" and campaign.published_at is not None
    last = _audit(campaign)[-1]
    assert (last.old_state, last.new_state, last.actor_id) == ("computed", "published", admin_user.id)
    for ref, participant in participants.items():
        operators = [u.id for u in factories.User.query.filter_by(org_id=participant.platform.org_id)]
        notices = db.session.scalars(select(Notification).where(Notification.user_id.in_(operators))).all()
        assert len(notices) == 1
        assert notices[0].link.endswith(f"/evaluation/2025/platforms/{ref}")
        assert (
            f"排名第 {participant.rank} 位" in notices[0].message
            and participant.grade_label in notices[0].message
        )


@pytest.mark.parametrize("role", ["operator", "firm", "expert"])
def test_only_administrators_publish_and_lock(db, role):
    campaign, _ = computed_campaign()
    user = factories.UserFactory(role=role)
    with pytest.raises(Forbidden):
        results.publish(user, campaign)
    campaign.status = "published"
    with pytest.raises(Forbidden):
        results.lock(user, campaign)
    assert campaign.status == "published"


@pytest.mark.parametrize("status", ["draft", "self_report", "expert_review", "published", "locked"])
def test_only_computed_results_are_published(db, admin_user, status):
    campaign, _ = computed_campaign()
    campaign.status = status
    with pytest.raises(Conflict):
        results.publish(admin_user, campaign)
    assert campaign.status == status and campaign.published_at is None


def test_results_with_a_platform_not_computed_are_not_published(db, admin_user):
    campaign, participants = computed_campaign()
    participants["plat-b"].total = None
    with pytest.raises(DomainError, match="未计算"):
        results.publish(admin_user, campaign)
    assert campaign.status == "computed"


def test_published_results_are_locked_and_a_computed_campaign_is_not(db, admin_user):
    campaign, _ = computed_campaign()
    with pytest.raises(Conflict):
        results.lock(admin_user, campaign)
    results.publish(admin_user, campaign)
    results.lock(admin_user, campaign)
    assert campaign.status == "locked"
    assert [a.new_state for a in _audit(campaign)][-2:] == ["published", "locked"]


# ---------------------------------------------------------------- corrections


def test_a_correction_rescores_everybody_and_records_old_new_and_knock_on(db, admin_user):
    campaign, participants = computed_campaign(status="published")
    a, b, c = (participants[ref] for ref in REFS)
    before = {ref: p.total for ref, p in participants.items()}
    # plat-c's R&D spending was 20 (万元); the audited figure is 1000: it becomes the maximum of a
    # min-max indicator, so plat-a's and plat-b's scores of it fall too.
    correction = results.correct(
        admin_user, campaign, c.platform, "rd_spending", 1000, "审计报告更正了研发经费。"
    )
    db.session.commit()

    assert db.session.scalars(select(ScoreCorrection)).all() == [correction]
    assert (correction.old_value, correction.new_value) == (20.0, 1000.0)
    assert correction.old_total == before["plat-c"] and correction.new_total == c.total
    assert c.total == pytest.approx(before["plat-c"] + 6 * (100 - 0) / 100)  # weight 6, score 0 → 100
    assert correction.by_id == admin_user.id and correction.reason == "审计报告更正了研发经费。"
    assert correction.at is not None
    moved = {k["platform_ref"]: (k["old"], k["new"]) for k in correction.knock_on}
    assert moved == {"plat-a": (before["plat-a"], a.total), "plat-b": (before["plat-b"], b.total)}
    assert a.total < before["plat-a"] and b.total < before["plat-b"]
    assert {k["platform_id"] for k in correction.knock_on} == {a.platform_id, b.platform_id}
    scores = results.values_by_code(a)
    # the new minimum is plat-b's 300: plat-a scores (500 − 300) ÷ (1000 − 300), plat-b 0
    assert scores["rd_spending"].score == pytest.approx(100 * (500 - 300) / (1000 - 300), abs=0.01)
    assert results.values_by_code(b)["rd_spending"].score == 0
    assert campaign.status == "published"


def test_a_correction_that_only_moves_one_platform_has_no_knock_on(db, admin_user):
    campaign, participants = computed_campaign(status="published")
    b = participants["plat-b"]
    correction = results.correct(admin_user, campaign, b.platform, "staff", 30, "补充了在岗人员名单。")
    assert correction.knock_on == []
    assert correction.new_total == pytest.approx(correction.old_total + 4 * (100 - 60) / 100)


def test_a_correction_does_not_count_a_self_report_that_was_never_submitted(db, admin_user):
    """Computing scored an unsubmitted self-report as missing; re-scoring for a correction must too
    (it once read the stored draft figures and so raised that platform's total)."""
    campaign, participants = computed_campaign(status="published")
    b, c = participants["plat-b"], participants["plat-c"]
    b.status = "draft"
    services.store_results(campaign)  # as computing left it: b's figures are drafts
    before = b.total
    assert results.values_by_code(b)["rd_spending"].score == 0
    results.correct(admin_user, campaign, c.platform, "staff", 30, "补充了在岗人员名单。")
    assert results.values_by_code(b)["rd_spending"].score == 0 and b.total == before


def test_a_correction_can_change_ranks_grades_and_flags(db, admin_user):
    campaign, participants = computed_campaign(status="published")
    c = participants["plat-c"]
    assert c.grade == "fail" and c.flags == ["fail"]
    for code, value in [("expert_judgement", 100), ("completed_work", 50), ("distinct_firms", 20)]:
        results.correct(admin_user, campaign, c.platform, code, value, "复核后更正。")
    for code, value in [("utilisation", 60), ("revenue", 300), ("conversions", 8), ("selected_cases", 3)]:
        results.correct(admin_user, campaign, c.platform, code, value, "复核后更正。")
    for code, value in [("rd_spending", 500), ("patents", 10), ("average_rating", 4.8), ("standards", 3)]:
        results.correct(admin_user, campaign, c.platform, code, value, "复核后更正。")
    assert c.total > participants["plat-b"].total and c.rank == 2
    assert c.grade != "fail" and "fail" not in c.flags


def test_a_correction_needs_a_reason_and_changes_nothing_without_one(db, admin_user):
    campaign, participants = computed_campaign(status="published")
    c = participants["plat-c"]
    with pytest.raises(DomainError) as refused:
        results.correct(admin_user, campaign, c.platform, "rd_spending", 1000, "   ")
    assert dict(refused.value.errors) == {"reason": "请填写更正原因（将在结果页公开）。"}
    assert results.values_by_code(c)["rd_spending"].value == 20.0
    assert db.session.scalars(select(ScoreCorrection)).all() == []


@pytest.mark.parametrize(
    ("code", "value", "field"),
    [
        ("no_such_indicator", 1, "indicator"),
        ("rd_spending", -1, "value"),
        ("rd_spending", float("nan"), "value"),
        ("rd_spending", 1e400, "value"),
        ("expert_judgement", 101, "value"),
        ("rd_spending", None, "value"),
        ("rd_spending", 20, "value"),  # the same value: nothing to correct
    ],
)
def test_a_correction_refuses_bad_input_beside_its_field(db, admin_user, code, value, field):
    campaign, participants = computed_campaign(status="published")
    with pytest.raises(DomainError) as refused:
        results.correct(admin_user, campaign, participants["plat-c"].platform, code, value, "原因")
    assert [f for f, _ in refused.value.errors] == [field]


@pytest.mark.parametrize(("status", "message"), [("computed", "重新计算"), ("locked", "已锁定")])
def test_corrections_are_refused_before_publication_and_once_locked(db, admin_user, status, message):
    campaign, participants = computed_campaign(status=status)
    c = participants["plat-c"]
    with pytest.raises(Conflict, match=message):
        results.correct(admin_user, campaign, c.platform, "rd_spending", 1000, "原因")
    assert results.values_by_code(c)["rd_spending"].value == 20.0


@pytest.mark.parametrize("role", ["operator", "firm", "expert"])
def test_only_administrators_correct(db, role):
    campaign, participants = computed_campaign(status="published")
    platform = participants["plat-c"].platform
    user = factories.UserFactory(role=role, organization=platform.organization)
    with pytest.raises(Forbidden):
        results.correct(user, campaign, platform, "rd_spending", 1000, "原因")


def test_a_platform_outside_the_campaign_cannot_be_corrected(db, admin_user):
    campaign, _ = computed_campaign(status="published")
    with pytest.raises(LookupError):
        results.correct(admin_user, campaign, factories.PlatformFactory(), "rd_spending", 1, "原因")


def test_failing_two_years_running_proposes_suspension(db, admin_user):
    previous, _ = computed_campaign(2024, status="published")
    db.session.expunge_all()
    campaign = factories.campaign_from_template(2025, "computed")
    platform = db.session.scalar(select(factories.Platform).where(factories.Platform.ref == "plat-c"))
    participant = factories.CampaignParticipantFactory(campaign=campaign, platform=platform)
    db.session.flush()
    services.store_results(campaign)
    assert participant.grade == "fail" and participant.flags == ["fail_twice", "fail"]


# ---------------------------------------------------------------- ranking order and reads


def test_ties_share_a_rank_and_are_listed_by_platform_ref(db):
    campaign = factories.campaign_from_template(2025, "computed")
    for ref in ("plat-z", "plat-m", "plat-a"):
        factories.CampaignParticipantFactory(campaign=campaign, platform=factories.PlatformFactory(ref=ref))
    db.session.flush()
    services.store_results(campaign)
    ranked = results.ranking(campaign)
    assert [p.platform.ref for p in ranked] == ["plat-a", "plat-m", "plat-z"]
    assert [p.rank for p in ranked] == [1, 1, 1]


def test_medians_and_grade_distribution(db):
    campaign, participants = computed_campaign()
    ranked = results.ranking(campaign)
    medians = results.medians(campaign, ranked)
    assert medians["rd_spending"]["value"] == 300
    assert (
        medians["rd_spending"]["score"] == results.values_by_code(participants["plat-b"])["rd_spending"].score
    )
    counts = {d["label"]: d["count"] for d in results.grade_distribution(results.grade_counts(campaign))}
    assert counts == {"优秀": 1, "良好": 0, "合格": 1, "不合格": 1}


def test_the_median_never_reads_an_unsubmitted_self_reports_draft_figures(db):
    campaign, participants = computed_campaign()
    participants["plat-a"].status = "draft"  # its figures stay a draft: not public, not counted
    services.store_results(campaign)
    ranked = results.ranking(campaign)
    drafts = results.values_by_code(participants["plat-a"])["rd_spending"].value
    others = sorted(
        results.values_by_code(participants[r])["rd_spending"].value for r in ("plat-b", "plat-c")
    )
    assert results.medians(campaign, ranked)["rd_spending"]["value"] == sum(others) / 2
    assert drafts not in others


# ---------------------------------------------------------------- commands and the Excel file


def test_flask_evaluation_publish(runner, db):
    campaign, _ = computed_campaign()
    result = runner.invoke(args=["evaluation", "publish", "2025"])
    assert result.exit_code == 0, result.output
    db.session.refresh(campaign)
    assert campaign.status == "published"
    assert _audit(campaign)[-1].reason == "命令行 flask evaluation publish"
    again = runner.invoke(args=["evaluation", "publish", "2025"])
    assert again.exit_code == 1 and "不允许" in again.output
    assert runner.invoke(args=["evaluation", "publish", "2031"]).exit_code == 1


def test_flask_evaluation_export_writes_one_row_per_platform_in_rank_order(runner, db, tmp_path):
    campaign, participants = computed_campaign(status="published")
    path = tmp_path / "scores.xlsx"
    result = runner.invoke(args=["evaluation", "export", "2025", str(path)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(path)
    rows = list(wb.worksheets[0].values)
    indicators = list(campaign.indicators)
    assert list(rows[0][:5]) == ["平台编号", "平台名称", "总分", "排名", "等级"]
    assert list(rows[0][5:]) == [f"{i.name}（{i.code}）" for i in indicators]
    assert len(rows) == 1 + len(participants)
    for row, participant in zip(rows[1:], results.ranking(campaign), strict=True):
        p = participant
        assert list(row[:5]) == [p.platform.ref, p.platform.name, p.total, p.rank, p.grade_label]
        values = results.values_by_code(p)
        assert list(row[5:]) == [values[i.code].score for i in indicators]
    assert [r[0] for r in rows[1:]] == ["plat-a", "plat-b", "plat-c"]
    # The formulas' inputs: raw values (with the province median), weights, rules, targets.
    raw = list(wb["原始数值"].values)
    assert raw[3][0] == "plat-c" and raw[3][2] == 20 and raw[-1][0] == "全省中位数" and raw[-1][2] == 300
    rules = {r[1]: r for r in wb["指标与规则"].values if r and r[1]}
    assert rules["staff"][4] == 4 and rules["staff"][8] == 30 and "封顶" in rules["staff"][10]
    assert rules["selected_cases"][9] == "1→70；2→90；3→100"
    assert {"分维度得分", "专家评分", "更正记录"} <= set(wb.sheetnames)


def test_export_of_a_campaign_not_computed_is_refused(runner, db, tmp_path):
    factories.campaign_from_template(2025, "expert_review")
    result = runner.invoke(args=["evaluation", "export", "2025", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1 and "尚未计算" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_text_in_the_excel_file_is_never_a_formula(db, tmp_path):
    campaign, participants = computed_campaign(status="published")
    participants["plat-a"].platform.name = '=HYPERLINK("http://evil.example","点我")'
    db.session.commit()
    from marketplace.evaluation.export import workbook

    workbook(campaign).save(tmp_path / "x.xlsx")
    cell = load_workbook(tmp_path / "x.xlsx").worksheets[0]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_a_correction_tells_the_corrected_platform_and_those_whose_totals_moved(db, admin_user):
    campaign, participants = computed_campaign(status="published")
    c = participants["plat-c"]
    correction = results.correct(admin_user, campaign, c.platform, "rd_spending", 1000, "审计报告更正。")
    db.session.commit()
    moved = {row["platform_ref"] for row in correction.knock_on}
    assert moved  # rd_spending is min-max: the others' scores move too
    from marketplace.accounts.models import User

    told = {
        db.session.get(User, n.user_id).org_id: n.message
        for n in db.session.scalars(select(Notification)).all()
        if "调整为" in n.message
    }
    for ref in {"plat-c", *moved}:
        platform = participants[ref].platform
        assert platform.org_id in told
    assert "“研发经费投入”更正" in told[c.platform.org_id] and "审计报告更正" in told[c.platform.org_id]
