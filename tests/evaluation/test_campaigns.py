"""Administrators' campaign pages: creating a campaign, the draft editor and its validation, the
weights rule, phase changes (audited), enrolment and the participants while the self-report is open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.core.errors import Conflict, DomainError
from marketplace.core.models import AuditLog
from marketplace.core.timeutil import local_today
from marketplace.evaluation import services
from marketplace.evaluation.models import CampaignParticipant, EvaluationCampaign
from marketplace.notifications.models import Notification
from tests import factories as f

NOW = datetime(2026, 3, 2, 2, tzinfo=UTC)  # 10:00 on 2 March 2026, Beijing


@pytest.fixture
def now(freeze_now):
    return freeze_now(NOW)


@pytest.fixture
def admin(auth, admin_user):
    return auth.as_(admin_user)


def draft(year=2025):
    campaign = f.campaign_from_template(year)
    campaign.self_report_deadline = date(2026, 3, 31)
    return campaign


def indicator_form(campaign, **changes):
    data = {
        "dimension_id": str(campaign.dimensions[0].id),
        "code": "new_ind",
        "name": "新指标",
        "description": "",
        "weight": "5",
        "source": "computed",
        "metric": "completed_work",
        "unit": "项",
        "rule": "target",
        "target": "10",
        "bands": "",
        "higher_is_better": "1",
    }
    data.update(changes)
    return data


# ---------------------------------------------------------------- creating and listing


def test_an_administrator_creates_a_campaign_from_the_template_and_finds_it_listed(client, admin, db, now):
    response = client.post("/admin/evaluation/", data={"year": "2025"})
    assert response.status_code == 302 and response.location.endswith("/admin/evaluation/2025")
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert "2025 年度中试平台绩效评价" in page and "研究开发" in page and "权重合计 100 分" in page
    listing = client.get("/admin/evaluation/").get_data(as_text=True)
    assert "2025" in listing and "草稿" in listing
    again = client.post("/admin/evaluation/", data={"year": "2025"}).get_data(as_text=True)
    assert "2025 年度的绩效评价已经创建" in again
    assert "绩效评价" in client.get("/admin/").get_data(as_text=True)  # the admin menu entry


@pytest.mark.parametrize("role", ["firm", "operator", "expert"])
def test_other_roles_never_open_the_campaign_pages(client, auth, db, role):
    draft()
    db.session.commit()
    user = f.UserFactory(role=role)
    db.session.commit()
    auth.as_(user)
    assert client.get("/admin/evaluation/").status_code == 403
    assert client.get("/admin/evaluation/2025").status_code == 403
    assert client.post("/admin/evaluation/2025/open_self_report").status_code == 403


# ---------------------------------------------------------------- the draft editor


def test_settings_need_ordered_thresholds_and_a_deadline_not_in_the_past(client, admin, db, now):
    draft()
    db.session.commit()
    page = client.post(
        "/admin/evaluation/2025/edit",
        data={
            "title": "2025 年度评价",
            "self_report_deadline": "2026-03-01",
            "excellent": "80",
            "good": "85",
            "passing": "101",
        },
    ).get_data(as_text=True)
    assert "自评截止日期不能早于今天" in page
    assert "优秀的最低分应高于良好" in page
    assert "合格的最低分应在 0 到 100 之间" in page
    ok = client.post(
        "/admin/evaluation/2025/edit",
        data={
            "title": "2025 年度评价",
            "self_report_deadline": "2026-04-30",
            "excellent": "85",
            "good": "70",
            "passing": "55",
        },
    )
    assert ok.status_code == 302
    campaign = services.get_campaign(2025)
    assert campaign.grade_thresholds == {"excellent": 85, "good": 70, "pass": 55}
    assert campaign.self_report_deadline == date(2026, 4, 30)


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"metric": ""}, "须选择一项计算口径"),
        ({"rule": "target", "target": "0"}, "需要一个大于 0 的目标值"),
        ({"rule": "target", "target": ""}, "需要一个大于 0 的目标值"),
        ({"rule": "bands", "bands": "2:90, 1:70"}, "门槛应逐档递增"),
        ({"rule": "bands", "bands": "1:70, 2:120"}, "得分应在 0 到 100 之间"),
        ({"rule": "bands", "bands": "一档七十分"}, "无法识别"),
        ({"rule": "bands", "bands": ""}, "至少一个档位"),
        ({"source": "expert", "metric": "", "rule": "minmax"}, "应使用“专家打分（0-100）”规则"),
        ({"source": "self_reported", "metric": "", "rule": "expert"}, "只用于数据来源为专家评分的指标"),
        ({"code": "staff"}, "已有代码为“staff”的指标"),
        ({"code": "新 代码"}, "代码应以小写字母开头"),
        ({"weight": "0"}, "权重应大于 0"),
    ],
)
def test_the_indicator_editor_refuses_beside_the_field(client, admin, db, now, changes, field_message):
    campaign = draft()
    db.session.commit()
    count = len(campaign.indicators)
    page = client.post("/admin/evaluation/2025/indicators/new", data=indicator_form(campaign, **changes))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert field_message in html and 'class="error"' in html
    db.session.expire_all()
    assert len(services.get_campaign(2025).indicators) == count


def test_bands_are_entered_as_text_and_stored_as_thresholds(client, admin, db, now):
    campaign = draft()
    db.session.commit()
    response = client.post(
        "/admin/evaluation/2025/indicators/new",
        data=indicator_form(campaign, rule="bands", bands="1:70，2：90, 3:100", target="", code="bands_ind"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    new = next(i for i in services.get_campaign(2025).indicators if i.code == "bands_ind")
    assert new.bands == [{"at": 1, "score": 70}, {"at": 2, "score": 90}, {"at": 3, "score": 100}]
    assert new.target is None
    form = client.get(f"/admin/evaluation/2025/indicators/{new.id}").get_data(as_text=True)
    assert 'value="1:70, 2:90, 3:100"' in form


def test_the_editor_shows_running_weight_totals_and_says_when_they_are_not_100(client, admin, db, now):
    campaign = draft()
    staff = next(i for i in campaign.indicators if i.code == "staff")
    db.session.commit()
    response = client.post(
        f"/admin/evaluation/2025/indicators/{staff.id}",
        data=indicator_form(
            campaign,
            code="staff",
            name="专职人员",
            source="self_reported",
            metric="",
            weight="9",
            rule="target",
            target="30",
        ),
    )
    assert response.status_code == 302
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert "指标权重合计为 105 分，应恰好为 100 分" in page
    assert "小计 25 分" in page  # 研究开发: 6 + 6 + 4 + 9
    refused = client.post("/admin/evaluation/2025/open_self_report", follow_redirects=True).get_data(
        as_text=True
    )
    assert "指标权重合计为 105 分" in refused
    assert services.get_campaign(2025).status == "draft"


def test_dimensions_are_added_renamed_and_removed_only_when_empty(client, admin, db, now):
    campaign = draft()
    db.session.commit()
    assert (
        client.post(
            "/admin/evaluation/2025/dimensions/new", data={"code": "talent", "name": "人才团队"}
        ).status_code
        == 302
    )
    duplicate = client.post("/admin/evaluation/2025/dimensions/new", data={"code": "rnd", "name": "另一个"})
    assert "已有代码为“rnd”的维度" in duplicate.get_data(as_text=True)
    db.session.expire_all()
    talent = next(d for d in services.get_campaign(2025).dimensions if d.code == "talent")
    assert (
        client.post(f"/admin/evaluation/2025/dimensions/{talent.id}", data={"name": "人才队伍"}).status_code
        == 302
    )
    rnd = campaign.dimensions[0]
    refused = client.post(f"/admin/evaluation/2025/dimensions/{rnd.id}/delete", follow_redirects=True)
    assert "下还有指标" in refused.get_data(as_text=True)
    client.post(f"/admin/evaluation/2025/dimensions/{talent.id}/delete")
    db.session.expire_all()
    assert [d.code for d in services.get_campaign(2025).dimensions] == [
        "rnd",
        "conversion",
        "sharing",
        "management",
    ]


def test_an_indicator_is_removed_from_a_draft_and_nothing_changes_after_the_draft(client, admin, db, now):
    campaign = draft()
    staff = next(i for i in campaign.indicators if i.code == "staff")
    db.session.commit()
    client.post(f"/admin/evaluation/2025/indicators/{staff.id}/delete")
    db.session.expire_all()
    campaign = services.get_campaign(2025)
    assert "staff" not in [i.code for i in campaign.indicators]
    campaign.status = "self_report"
    db.session.commit()
    indicator = campaign.indicators[0]
    with pytest.raises(Conflict, match="只有草稿可以修改"):
        services.update_indicator(services.CLI, indicator, {"name": "改名"})
    with pytest.raises(Conflict):
        services.add_dimension(services.CLI, campaign, {"code": "x", "name": "新维度"})
    response = client.post(f"/admin/evaluation/2025/indicators/{indicator.id}", data=indicator_form(campaign))
    assert response.status_code == 302  # back to the campaign, with the reason
    assert client.post(f"/admin/evaluation/2025/indicators/{indicator.id}/delete").status_code == 302
    db.session.expire_all()
    assert indicator.name != "新指标" and indicator in services.get_campaign(2025).indicators
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert "增加指标" not in page and "只有草稿可以修改" in page


# ---------------------------------------------------------------- phases and enrolment


def test_opening_the_self_report_enrols_every_approved_platform_and_tells_its_operators(
    client, admin, db, now
):
    campaign = draft()
    approved = [f.PlatformFactory(name=f"平台{n}") for n in range(3)]
    f.PlatformFactory(status="draft")
    f.PlatformFactory(status="suspended")
    operator = f.UserFactory(role="operator", organization=approved[0].organization)
    db.session.commit()
    response = client.post("/admin/evaluation/2025/open_self_report")
    assert response.status_code == 302
    db.session.expire_all()
    campaign = services.get_campaign(2025)
    assert campaign.status == "self_report"
    assert sorted(p.platform_id for p in campaign.participants) == sorted(p.id for p in approved)
    assert all(len(p.values) == len(campaign.indicators) for p in campaign.participants)
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == operator.id))
    assert "已开放自评填报" in notice.message and "2026-03-31" in notice.message
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert "草稿 → 自评填报中" in page and "创建 → 草稿" in page


def test_the_self_report_opens_only_with_a_deadline_today_or_later(admin_user, db, now):
    campaign = draft()
    campaign.self_report_deadline = None
    with pytest.raises(DomainError, match="请先设置自评截止日期"):
        services.open_self_report(admin_user, campaign)
    campaign.self_report_deadline = date(2026, 3, 1)
    with pytest.raises(DomainError, match="截止日期已过"):
        services.open_self_report(admin_user, campaign)
    campaign.self_report_deadline = date(2026, 3, 2)  # today, Beijing
    services.open_self_report(admin_user, campaign)
    assert campaign.status == "self_report"


def test_the_open_button_says_why_it_cannot_open_yet(client, admin, db, now):
    """Noticed in use: 开放自评填报 was a live button before a deadline was set, and only answered with
    an error once clicked."""
    campaign = draft()
    campaign.self_report_deadline = None
    db.session.commit()
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert 'action="/admin/evaluation/2025/open_self_report"' not in page
    assert "disabled" in page[: page.index("请先设置自评截止日期。")].rsplit("<button", 1)[1]
    campaign.self_report_deadline = date(2026, 3, 31)
    db.session.commit()
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert 'action="/admin/evaluation/2025/open_self_report"' in page and "请先设置自评截止日期" not in page


def test_participants_are_added_and_removed_while_the_self_report_is_open(client, admin, admin_user, db, now):
    campaign = draft()
    first = f.PlatformFactory(name="首批平台")
    services.open_self_report(admin_user, campaign)
    late = f.PlatformFactory(name="后批准的平台")
    db.session.commit()
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert "后批准的平台" in page  # offered in the list of platforms to add
    assert client.post("/admin/evaluation/2025", data={"platform_id": str(late.id)}).status_code == 302
    again = client.post("/admin/evaluation/2025", data={"platform_id": str(late.id)}).get_data(as_text=True)
    assert "“后批准的平台”已在参评名单中" in again  # refused beside the field
    db.session.expire_all()
    added = next(p for p in services.get_campaign(2025).participants if p.platform_id == late.id)
    assert len(added.values) == len(campaign.indicators)
    submitted = next(p for p in services.get_campaign(2025).participants if p.platform_id == first.id)
    submitted.status, submitted.submitted_at = "submitted", NOW
    db.session.commit()
    refused = client.post(f"/admin/evaluation/2025/participants/{submitted.id}/delete", follow_redirects=True)
    assert "已提交过自评，不能移除" in refused.get_data(as_text=True)
    added_id = added.id
    assert client.post(f"/admin/evaluation/2025/participants/{added_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(CampaignParticipant, added_id) is None
    history = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert "增加参评平台：后批准的平台" in history and "移除参评平台：后批准的平台" in history
    services.get_campaign(2025).self_report_deadline = local_today() - timedelta(days=1)
    services.start_review(admin_user, services.get_campaign(2025))
    with pytest.raises(Conflict):
        services.add_participant(admin_user, services.get_campaign(2025), late.id)


def test_phases_follow_the_workflow_with_buttons_and_an_audited_history(client, admin, admin_user, db, now):
    campaign = draft()
    f.PlatformFactory()
    db.session.commit()
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert "开放自评填报" in page and "进入专家评审" not in page
    client.post("/admin/evaluation/2025/open_self_report")
    assert "进入专家评审" in client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert client.post("/admin/evaluation/2025/compute", follow_redirects=True).status_code == 200
    assert services.get_campaign(2025).status == "self_report"  # compute is not allowed yet
    # Self-reports stay open until their deadline unless every platform has submitted.
    refused = client.post("/admin/evaluation/2025/start_review", follow_redirects=True).get_data(as_text=True)
    assert "未提交自评且截止日" in refused and services.get_campaign(2025).status == "self_report"
    services.get_campaign(2025).self_report_deadline = local_today() - timedelta(days=1)
    db.session.commit()
    client.post("/admin/evaluation/2025/start_review")
    assert services.get_campaign(2025).status == "expert_review"
    response = client.post("/admin/evaluation/2025/compute")
    assert response.location.endswith("/admin/evaluation/2025/results")
    client.post("/admin/evaluation/2025/reopen_review")
    db.session.expire_all()
    campaign = db.session.scalar(db.select(EvaluationCampaign))
    assert campaign.status == "expert_review"
    rows = db.session.scalars(
        db.select(AuditLog).where(AuditLog.object_type == "evaluation_campaign").order_by(AuditLog.id)
    ).all()
    assert [(r.old_state, r.new_state) for r in rows] == [
        (None, "draft"),
        ("draft", "self_report"),
        ("self_report", "expert_review"),
        ("expert_review", "computed"),
        ("computed", "expert_review"),
    ]
    assert all(r.actor_id == admin_user.id for r in rows[1:])
    page = client.get("/admin/evaluation/2025").get_data(as_text=True)
    assert "结果已计算 → 专家评审中" in page
    assert "公布结果" not in page  # publication is not this page's business yet


def test_the_results_overview_lists_totals_grades_flags_and_links_to_derivations(
    client, admin, admin_user, db, now
):
    campaign = draft()
    platform = f.PlatformFactory(name="结果平台")
    services.open_self_report(admin_user, campaign)
    campaign.self_report_deadline = local_today() - timedelta(days=1)
    services.start_review(admin_user, campaign)
    services.compute(admin_user, campaign)
    db.session.commit()
    page = client.get("/admin/evaluation/2025/results").get_data(as_text=True)
    assert "结果平台" in page and "不合格" in page and "未提交自评" in page
    assert f"/evaluation/2025/platforms/{platform.ref}/indicators/completed_work" in page
