"""The results pages: public only once published (administrators preview computed results, marked
预览 未公布), the ranking and its charts' data, one platform's breakdown, and the administrators'
publication, correction, export and suspension proposal."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from marketplace.evaluation import results
from tests import factories
from tests.evaluation.results_world import computed_campaign, text_of

PAGES = ["/evaluation/2025/", "/evaluation/2025/platforms/plat-b"]


def _json_block(html: str, block_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S)
    assert found, block_id
    return json.loads(found.group(1))


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", [None, "firm", "operator", "expert"])
def test_results_are_hidden_until_published(client, auth, db, path, role):
    computed_campaign()
    if role:
        auth.as_(factories.UserFactory(role=role))
        db.session.commit()
    assert client.get(path).status_code == 404
    assert "2025" not in text_of(client.get("/evaluation/").get_data(as_text=True))


@pytest.mark.parametrize("path", PAGES)
def test_administrators_preview_computed_results_marked_as_such(client, auth, db, admin_user, path):
    computed_campaign()
    auth.as_(admin_user)
    page = client.get(path)
    assert page.status_code == 200
    assert "预览 未公布" in text_of(page.get_data(as_text=True))
    assert "预览 未公布" in text_of(client.get("/evaluation/").get_data(as_text=True))


@pytest.mark.parametrize("status", ["draft", "self_report", "expert_review"])
def test_nothing_to_preview_before_computation(client, auth, db, admin_user, status):
    factories.campaign_from_template(2025, status)
    db.session.commit()
    auth.as_(admin_user)
    assert client.get("/evaluation/2025/").status_code == 404


def test_unknown_years_and_platforms_are_404(client, db):
    computed_campaign(status="published")
    assert client.get("/evaluation/2031/").status_code == 404
    assert client.get("/evaluation/2025/platforms/plat-x").status_code == 404
    outsider = factories.PlatformFactory(ref="plat-out")
    db.session.commit()
    assert client.get(f"/evaluation/2025/platforms/{outsider.ref}").status_code == 404


def test_published_ranking_table_and_grade_chart(client, db):
    campaign, participants = computed_campaign(status="published")
    html = client.get("/evaluation/2025/").get_data(as_text=True)
    text = text_of(html)
    assert "预览" not in text
    ranking = html[html.index('id="ranking"') : html.index('id="domains"')]
    names = [p.platform.name for p in results.ranking(campaign)]
    assert [ranking.index(n) for n in names] == sorted(ranking.index(n) for n in names)
    a = participants["plat-a"]
    assert f'href="/platforms/{a.platform.id}"' in ranking and "/evaluation/2025/platforms/plat-a" in ranking
    assert f"{a.total:.2f}" in ranking and "济南" in ranking and "优秀" in ranking
    assert f"{a.dimension_scores['sharing']['score']:.2f}" in ranking  # a domain subtotal
    # The chart's numbers, and the same numbers in the table beside it.
    chart = _json_block(html, "grade-chart-data")
    assert chart == {"labels": ["优秀", "良好", "合格", "不合格"], "counts": [1, 0, 1, 1]}
    grades = html[html.index('id="grades"') : html.index('id="ranking"')]
    assert 'data-chart="grades"' in grades
    assert re.findall(r"<td class=\"nowrap\">(\d+)</td></tr>", grades) == ["1", "0", "1", "1"]
    assert "/static/vendor/chart.umd.min.js" in html and "/static/js/results-charts.js" in html
    # The rules in plain words, and no administrator's buttons for the public.
    assert "同分平台按平台编号排列" in text and "优秀（总分 ≥ 90" in text
    assert "导出 Excel" not in text and "需跟进" not in text


def test_filters_by_city_and_grade_keep_the_overall_rank(client, db):
    computed_campaign(status="published")
    ranking = lambda html: html[html.index('id="ranking"') : html.index('id="domains"')]  # noqa: E731
    html = ranking(client.get("/evaluation/2025/?city=淄博").get_data(as_text=True))
    assert "淄博中试平台C" in html and "济南中试平台A" not in html
    assert '<td class="nowrap">3</td>' in html  # its overall rank
    html = ranking(client.get("/evaluation/2025/?grade=excellent").get_data(as_text=True))
    assert "济南中试平台A" in html and "青岛中试平台B" not in html
    html = ranking(client.get("/evaluation/2025/?grade=<script>&city=x").get_data(as_text=True))
    assert "淄博中试平台C" in html and "济南中试平台A" in html  # unknown values filter nothing


def test_per_domain_ranking(client, db):
    campaign, participants = computed_campaign(status="published")
    html = client.get("/evaluation/2025/?domain=management").get_data(as_text=True)
    section = text_of(html[html.index('id="domains"') : html.index('id="rules"')])
    assert "运行管理得分" in section
    score = participants["plat-b"].dimension_scores["management"]["score"]
    assert f"{score:.2f}" in section


def test_platform_breakdown_against_the_province_median(client, db):
    campaign, participants = computed_campaign(status="published")
    b = participants["plat-b"]
    html = client.get("/evaluation/2025/platforms/plat-b").get_data(as_text=True)
    text = text_of(html)
    values = results.values_by_code(b)
    medians = results.medians(campaign, results.ranking(campaign))
    chart = _json_block(html, "breakdown-chart-data")
    indicators = list(campaign.indicators)
    assert chart["labels"] == [i.name for i in indicators]
    assert chart["platform"] == [values[i.code].score for i in indicators]
    assert chart["median"] == [medians[i.code]["score"] for i in indicators]
    assert 'data-chart="breakdown"' in html
    assert "300 万元" in text  # rd_spending with its unit
    assert "18 人" in text and "4.0" in text  # staff, weight
    assert f"{b.total:.2f}" in text and "2 / 3" in text
    # The experts' mean and its rule (no expert scores in this world).
    assert "专家综合评议" in text and "尚无专家评分" in text
    # Each computed value links to its derivation; self-reported and expert ones have none.
    assert 'href="/evaluation/2025/platforms/plat-b/indicators/conversions"' in html
    assert "/indicators/rd_spending" not in html and "/indicators/expert_judgement" not in html
    # Flags are for administrators and the platform itself.
    assert "需限期整改" not in text_of(client.get("/evaluation/2025/platforms/plat-c").get_data(as_text=True))


def test_expert_mean_is_trimmed_with_five_scores(client, db):
    campaign, participants = computed_campaign(status="published")
    participant = participants["plat-a"]
    indicator = next(i for i in campaign.indicators if i.code == "expert_judgement")
    for points in (60, 90, 92, 94, 99):
        assignment = factories.EvaluationAssignmentFactory(
            participant=participant, campaign_id=campaign.id, submitted_at=campaign.computed_at
        )
        factories.ExpertScoreFactory(assignment=assignment, indicator=indicator, points=points)
    db.session.commit()
    text = text_of(client.get("/evaluation/2025/platforms/plat-a").get_data(as_text=True))
    assert "平均分 92.00" in text and "去掉一个最高分和一个最低分" in text and "60.0、99.0" in text


def test_the_platform_sees_its_flags(client, auth, db):
    _, participants = computed_campaign(status="published")
    c = participants["plat-c"]
    operator = factories.UserFactory(role="operator", organization=c.platform.organization)
    db.session.commit()
    auth.as_(operator)
    assert "不合格，需限期整改" in text_of(
        client.get("/evaluation/2025/platforms/plat-c").get_data(as_text=True)
    )
    assert "需限期整改" not in text_of(client.get("/evaluation/2025/platforms/plat-a").get_data(as_text=True))


def test_derivation_links_when_the_campaign_pages_provide_them(app, client, db, monkeypatch):
    computed_campaign(status="published")
    monkeypatch.setitem(app.view_functions, "evaluation.derivation", lambda **_: "")
    html = client.get("/evaluation/2025/platforms/plat-b").get_data(as_text=True)
    assert 'href="/evaluation/2025/platforms/plat-b/indicators/completed_work"' in html
    assert "/indicators/rd_spending" not in html  # self-reported: no derivation page


# ---------------------------------------------------------------- administrators


def test_administrator_publishes_then_locks_from_the_results_page(client, auth, db, admin_user):
    campaign, _ = computed_campaign()
    auth.as_(admin_user)
    html = client.get("/evaluation/2025/").get_data(as_text=True)
    assert "公布结果" in text_of(html) and "锁定" not in text_of(html).replace("已锁定", "")
    response = client.post("/evaluation/2025/publish", follow_redirects=True)
    assert "公布结果完成" in text_of(response.get_data(as_text=True))
    db.session.refresh(campaign)
    assert campaign.status == "published"
    client.post("/evaluation/2025/lock")
    db.session.refresh(campaign)
    assert campaign.status == "locked"
    response = client.post("/evaluation/2025/lock", follow_redirects=True)
    assert "不允许此操作" in text_of(response.get_data(as_text=True))


@pytest.mark.parametrize("role", [None, "operator", "firm", "expert"])
def test_others_cannot_publish_correct_or_export(client, auth, db, role):
    campaign, _ = computed_campaign(status="published")
    if role:
        auth.as_(factories.UserFactory(role=role))
        db.session.commit()
    for method, path in [
        ("post", "/evaluation/2025/lock"),
        ("get", "/evaluation/2025/export.xlsx"),
        ("get", "/evaluation/2025/platforms/plat-c/correct"),
        ("post", "/evaluation/2025/platforms/plat-c/correct"),
    ]:
        response = getattr(client, method)(
            path, data={"indicator": "rd_spending", "value": "1", "reason": "x"}
        )
        assert response.status_code in (302, 403), path
    db.session.refresh(campaign)
    assert campaign.status == "published"


def test_correction_form_needs_a_reason_then_records_it_publicly(client, auth, db, admin_user):
    campaign, participants = computed_campaign(status="published")
    auth.as_(admin_user)
    form = {"indicator": "rd_spending", "value": "1000", "reason": ""}
    page = client.post("/evaluation/2025/platforms/plat-c/correct", data=form)
    assert page.status_code == 200 and "请填写更正原因" in text_of(page.get_data(as_text=True))
    assert results.values_by_code(participants["plat-c"])["rd_spending"].value == 20
    page = client.post("/evaluation/2025/platforms/plat-c/correct", data={**form, "value": "abc"})
    assert "请填写更正原因" in text_of(page.get_data(as_text=True))
    form["reason"] = "审计报告更正了研发经费。"
    response = client.post("/evaluation/2025/platforms/plat-c/correct", data=form, follow_redirects=True)
    assert "已更正" in text_of(response.get_data(as_text=True)) and "另有 2 个平台" in text_of(
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    c = participants["plat-c"]
    client.get("/account/logout")
    auth.logout()
    text = text_of(client.get("/evaluation/2025/").get_data(as_text=True))
    history = text[text.index("更正记录") :]
    assert admin_user.name in history and "审计报告更正了研发经费。" in history
    assert "研发经费投入”：20 万元 → 1000 万元" in history
    assert f"→ {c.total:.2f}" in history and "随之变化：济南中试平台A" in history


def test_correction_form_on_a_locked_campaign_says_why(client, auth, db, admin_user):
    computed_campaign(status="locked")
    auth.as_(admin_user)
    text = text_of(client.get("/evaluation/2025/platforms/plat-c/correct").get_data(as_text=True))
    assert "结果已锁定，不能再更正" in text and "确认更正" not in text
    page = client.post(
        "/evaluation/2025/platforms/plat-c/correct",
        data={"indicator": "rd_spending", "value": "1", "reason": "x"},
    )
    assert "结果已锁定" in text_of(page.get_data(as_text=True))


def test_administrator_downloads_the_excel_sheet(client, auth, db, admin_user):
    campaign, _ = computed_campaign(status="published")
    auth.as_(admin_user)
    assert "导出 Excel 评分表" in text_of(client.get("/evaluation/2025/").get_data(as_text=True))
    response = client.get("/evaluation/2025/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="evaluation-2025.xlsx"'
    rows = list(load_workbook(BytesIO(response.data)).worksheets[0].values)
    assert [r[0] for r in rows[1:]] == ["plat-a", "plat-b", "plat-c"]
    assert [r[2] for r in rows[1:]] == [p.total for p in results.ranking(campaign)]


def test_failing_twice_offers_the_platform_suspension_with_its_reason(client, auth, db, admin_user):
    _, participants = computed_campaign(status="published")
    c = participants["plat-c"]
    c.flags = ["fail_twice"]
    db.session.commit()
    auth.as_(admin_user)
    html = client.get("/evaluation/2025/").get_data(as_text=True)
    section = html[html.index('id="follow-up"') : html.index('id="grades"')]
    assert "连续两年不合格，建议暂停平台" in text_of(section)
    link = re.search(r'href="(/admin/platforms/\d+\?[^"]+)"', section).group(1).replace("&amp;", "&")
    assert link.startswith(f"/admin/platforms/{c.platform.id}?") and "action=suspend" in link
    review = client.get(link).get_data(as_text=True)
    assert re.search(r'<option selected value="suspend">|<option value="suspend" selected', review)
    assert "连续两年不合格，依据绩效评价结果暂停平台" in review
    assert participants["plat-c"].platform.status == "approved"  # the administrator still decides there
