"""A small yearly evaluation run end to end in Debian's Chromium, with real clicks, typing, uploads,
confirmations and CSRF tokens: the administrator creates the campaign and opens the self-report, an
operator fills and submits it on a phone with an evidence file, the administrator assigns two experts
and starts the review, both experts score, the administrator computes, publishes, exports the Excel
sheet, records a correction that the public history shows, and locks."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import openpyxl
import pytest

from marketplace.attachments.services import add_attachment
from marketplace.core.timeutil import local_today
from marketplace.demo.timeline import Upload, pdf
from marketplace.evaluation import self_report
from marketplace.evaluation.models import CampaignParticipant, EvaluationCampaign
from tests import factories
from tests.browser.test_booking_flows import DESKTOP, PHONE, browsers, flash, follow, no_overflow  # noqa: F401

pytestmark = pytest.mark.browser

FIGURES = {"rd_spending": "320.5", "patents": "3", "standards": "1", "staff": "24"}


def _confirming(tab):
    tab.on("dialog", lambda dialog: dialog.accept())
    return tab


def test_an_administrator_runs_a_campaign_with_two_experts_from_creation_to_lock(browsers, db):  # noqa: F811
    admin = factories.UserFactory(role="admin", name="省工信厅评价处")
    operator = factories.UserFactory(role="operator", name="孙经理")
    mine = factories.PlatformFactory(
        organization=operator.organization, name="淄博精细化工中试平台", city="淄博"
    )
    other_operator = factories.UserFactory(role="operator")
    other = factories.PlatformFactory(organization=other_operator.organization, name="青岛新材料中试平台")
    panel = factories.OrganizationFactory(name="济南某高校中试研究中心", kind="university")
    experts = [
        factories.UserFactory(role="expert", name=name, organization=panel) for name in ("王建华", "陈雪梅")
    ]
    db.session.commit()
    year = local_today().year - 1
    deadline = (local_today() + timedelta(days=14)).isoformat()

    # The administrator creates the campaign from the shipped template, sets the deadline, opens it.
    desk = _confirming(browsers(admin, DESKTOP))
    desk.goto(browsers.base + "/admin/evaluation/")
    desk.fill("input[name=year]", str(year))
    follow(desk, "main form button:has-text('创建草稿')")
    desk.wait_for_url(f"**/admin/evaluation/{year}")
    desk.goto(f"{browsers.base}/admin/evaluation/{year}/edit")
    desk.fill("input[name=self_report_deadline]", deadline)
    follow(desk, "main form button:has-text('保存')")
    desk.goto(f"{browsers.base}/admin/evaluation/{year}")
    follow(desk, "main button:has-text('开放自评填报')")
    assert "自评填报中" in desk.inner_text("main")
    campaign = db.session.scalar(db.select(EvaluationCampaign).where(EvaluationCampaign.year == year))
    db.session.refresh(campaign)
    by_platform = {p.platform_id: p for p in campaign.participants}
    assert set(by_platform) == {mine.id, other.id}

    # The operator, on a phone: the evidence file, the four figures with explanations, submitted.
    phone = _confirming(browsers(operator, PHONE))
    phone.goto(browsers.base + "/my/self-reports")
    follow(phone, "main a:has-text('填写自评')")
    phone.set_input_files(
        "input[name=file]",
        {"name": "佐证材料.pdf", "mimeType": "application/pdf", "buffer": pdf(["佐证材料", "研发经费"])},
    )
    follow(phone, "main form button:has-text('上传')")
    assert "佐证材料.pdf" in phone.inner_text("main")
    for code, value in FIGURES.items():
        phone.fill(f"input[name=value_{code}]", value)
        phone.fill(f"textarea[name=explanation_{code}]", f"{code} 的说明见佐证材料。")
    assert no_overflow(phone)
    follow(phone, "main button:has-text('提交自评')")
    assert "自评已提交" in flash(phone)
    # The other platform submits too (its own operator, through the same service).
    theirs = by_platform[other.id]
    self_report.save_self_report(
        other_operator, theirs, {code: {"value": 1, "explanation": "见附件。"} for code in FIGURES}
    )
    add_attachment(other_operator, theirs, Upload(pdf(["附件"]), "附件.pdf"), self_report.EVIDENCE)
    self_report.submit_self_report(other_operator, theirs)
    db.session.commit()

    # The administrator assigns both experts to both platforms, then starts the review.
    for participant in (by_platform[mine.id], theirs):
        desk.goto(f"{browsers.base}/admin/evaluation/{year}/experts/{participant.id}")
        for expert in experts:
            desk.check(f"input[name=expert_ids][value='{expert.id}']")
        follow(desk, "main form button:has-text('分配')")
        assert all(e.name in desk.inner_text("main") for e in experts)
    desk.goto(f"{browsers.base}/admin/evaluation/{year}")
    follow(desk, "main button:has-text('进入专家评审')")
    assert "专家评审中" in desk.inner_text("main")

    # Each expert scores both platforms from their workspace, one on a phone.
    for expert, viewport, points in ((experts[0], PHONE, ("88", "71")), (experts[1], DESKTOP, ("92", "65"))):
        tab = _confirming(browsers(expert, viewport))
        for platform, given in zip((mine, other), points, strict=True):
            tab.goto(browsers.base + "/expert/")
            # The workspace's links are absolute (also mailed); the test server's port is not SERVER_NAME's.
            href = tab.locator(f"#pending a:has-text('{platform.name}')").get_attribute("href")
            tab.goto(browsers.base + urlsplit(href).path)
            tab.fill("main input[name^=score_]", given)
            tab.fill("textarea[name=comment]", "运行规范，服务质量较好。")
            follow(tab, "main button:has-text('提交评分')")
            assert "评分已提交" in flash(tab)
        tab.goto(browsers.base + "/expert/")
        assert "暂无待评审事项" in tab.inner_text("#pending")
        tab.context.close()

    # Computed, read, published.
    desk.goto(f"{browsers.base}/admin/evaluation/{year}")
    follow(desk, "main button:has-text('计算结果')")
    desk.wait_for_url(f"**/admin/evaluation/{year}/results")
    assert mine.name in desk.inner_text("main") and other.name in desk.inner_text("main")
    desk.goto(f"{browsers.base}/evaluation/{year}/")
    follow(desk, "main button:has-text('公布结果')")
    assert "已公布" in desk.inner_text("main")

    # Anybody reads the ranking and the chart.
    public = browsers.base + f"/evaluation/{year}/"
    reader = desk.context.browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    reader.goto(public)
    ranking = reader.inner_text("#ranking")
    assert ranking.index(mine.name) < ranking.index(other.name)  # more figures, better experts' points
    reader.locator('canvas[data-chart="grades"][data-rendered="true"]').wait_for()
    assert no_overflow(reader)

    # The Excel sheet: one row per platform, ref, name, total, rank, grade and the indicators.
    with desk.expect_download() as download:
        desk.click("main a:has-text('导出 Excel 评分表')")
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) >= 3 and {r[1] for r in rows[1:] if r[1]} >= {mine.name, other.name}
    assert any("研发经费投入" in str(cell) for cell in rows[0])

    # A correction with its reason, in the public history; then the campaign is locked.
    desk.goto(f"{browsers.base}/evaluation/{year}/platforms/{mine.ref}/correct")
    desk.select_option("select[name=indicator]", "patents")
    desk.fill("input[name=value]", "4")
    desk.fill("textarea[name=reason]", "平台复核：12 月授权的 1 件发明专利漏报，经核对证书更正。")
    follow(desk, "main form button:has-text('确认更正')")
    assert "更正" in flash(desk)
    reader.goto(public)
    assert "12 月授权的 1 件发明专利漏报" in reader.inner_text("#corrections")
    desk.goto(public)
    follow(desk, "main button:has-text('锁定')")
    assert "已锁定" in desk.inner_text("main")
    reader.goto(public)
    assert "结果已锁定" in reader.inner_text("main")
    participant = db.session.get(CampaignParticipant, by_platform[mine.id].id)
    db.session.refresh(participant)
    assert participant.campaign.status == "locked"
