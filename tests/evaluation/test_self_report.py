"""The platforms' self-report through its pages: draft, submit before the deadline (the last local day),
extension, return for correction, the notices the operators get, the messages beside the fields, and
the count in the operators' navigation."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.core.models import AuditLog
from marketplace.evaluation.models import IndicatorValue
from marketplace.notifications.models import Notification
from tests.evaluation.self_report_world import (
    BEFORE,
    FULL,
    LAST_MINUTES,
    NEXT_DAY,
    World,
    form_data,
    upload_evidence,
)
from tests.html import field_errors


@pytest.fixture
def world(db, freeze_now):
    freeze_now(BEFORE)
    return World(db)


def values_of(db, participant) -> dict[str, float | None]:
    db.session.expire_all()
    rows = db.session.scalars(select(IndicatorValue).where(IndicatorValue.participant_id == participant.id))
    return {v.indicator.code: v.value for v in rows if v.indicator.source == "self_reported"}


def notices_of(db, user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- the form


def test_the_form_asks_for_each_self_reported_figure_and_shows_how_the_rest_is_computed(client, auth, world):
    auth.as_(world.operator)
    page = text(client.get(world.url))
    for code in FULL:
        assert f'name="value_{code}"' in page and f'name="explanation_{code}"' in page
    assert "本年度以平台为主获得授权的发明专利（附专利证书）" in page  # what evidence is expected
    assert "2026-03-31" in page and "北京时间当天 24 时" in page
    # computed and expert indicators: read-only, with their definitions
    assert "服务企业实现转化" in page and "企业反馈“已量产”的项数" in page
    assert "平台数据自动计算" in page and "专家评分" in page
    assert 'name="value_conversions"' not in page
    assert 'action="/attachments/evaluation_self_report/' in page  # evidence upload


def test_a_draft_is_saved_with_missing_figures_and_submitted_once_complete(client, auth, db, world):
    auth.as_(world.operator)
    response = client.post(world.url, data=form_data({"rd_spending": "350.5", "patents": ""}))
    assert response.status_code == 302
    assert "草稿已保存" in text(client.get(world.url))
    assert values_of(db, world.participant) == {
        "rd_spending": 350.5,
        "patents": None,
        "standards": None,
        "staff": None,
    }

    response = client.post(world.url, data=form_data({**FULL, "patents": ""}, action="submit"))
    errors = field_errors(text(response))
    assert errors["value_patents"] == ["请填写“授权发明专利”（没有请填 0）。"]
    assert "请上传佐证材料" in text(response)  # figures above 0 need evidence
    assert 'value="350.5"' in text(response)  # what was typed stays in the form
    assert world.participant.status == "draft"

    assert upload_evidence(client, world.participant).status_code == 302
    response = client.post(
        world.url, data=form_data(FULL, action="submit", patents="ZL2025 1 0000001.1 等 3 件")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert world.participant.status == "submitted"
    assert world.participant.submitted_at == BEFORE
    assert values_of(db, world.participant) == {
        "rd_spending": 350.5,
        "patents": 3.0,
        "standards": 0.0,
        "staff": 28.0,
    }
    page = text(client.get(world.url))
    assert "自评已提交" in page and 'name="value_patents"' not in page  # read-only now
    assert "ZL2025 1 0000001.1 等 3 件" in page and "审计报告.pdf" in page
    history = db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "evaluation_self_report")
    ).all()
    assert [(h.old_state, h.new_state, h.actor_id) for h in history] == [
        ("draft", "submitted", world.operator.id)
    ]


def test_zero_is_a_figure_and_needs_no_evidence(client, auth, db, world):
    auth.as_(world.operator)
    zeros = dict.fromkeys(FULL, "0")
    assert client.post(world.url, data=form_data(zeros, action="submit")).status_code == 302
    db.session.expire_all()
    assert world.participant.status == "submitted"
    assert set(values_of(db, world.participant).values()) == {0.0}


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("rd_spending", "-5", "研发经费投入不能为负数。"),
        ("patents", "2.5", "授权发明专利应为整数。"),
        ("staff", "1e400", "专职研发与中试人员应在 0 到 10,000,000 人 之间。"),
        ("rd_spending", "99999999999", "研发经费投入应在 0 到 10,000,000 万元 之间。"),
        ("rd_spending", "nan", "研发经费投入应为 0 到 10,000,000 万元 之间的有效数字。"),
    ],
)
def test_figures_out_of_bounds_are_refused_beside_their_field(client, auth, db, world, code, value, message):
    auth.as_(world.operator)
    response = client.post(world.url, data=form_data({**FULL, code: value}))
    assert response.status_code == 200
    assert message in field_errors(text(response))[f"value_{code}"][0]
    assert set(values_of(db, world.participant).values()) == {None}  # nothing stored


def test_text_where_a_number_belongs_and_long_explanations_are_refused_beside_their_fields(
    client, auth, db, world
):
    auth.as_(world.operator)
    data = form_data({**FULL, "patents": "三件"}, staff="很长" * 1001)
    errors = field_errors(text(client.post(world.url, data=data)))
    assert errors["value_patents"]
    assert errors["explanation_staff"] == ["说明不能超过 2000 个字。"]
    assert set(values_of(db, world.participant).values()) == {None}


# ---------------------------------------------------------------- deadline and extension


def test_the_last_local_day_counts_then_submission_needs_an_extension(client, auth, db, world, freeze_now):
    freeze_now(NEXT_DAY)  # 00:10 Beijing time on 1 April
    auth.as_(world.operator)
    zeros = dict.fromkeys(FULL, "0")
    response = client.post(world.url, data=form_data(zeros, action="submit"))
    assert "自评提交截止日期（2026-03-31）已过，逾期提交需要管理员批准延期" in text(response)
    db.session.expire_all()
    assert world.participant.status == "draft"
    assert set(values_of(db, world.participant).values()) == {None}  # the submission did not happen at all
    # a draft may still be saved, and the page says what is needed
    assert client.post(world.url, data=form_data(zeros)).status_code == 302
    assert "逾期提交需要管理员批准延期" in text(client.get(world.url))
    assert "已过截止日期" in text(client.get("/my/self-reports"))

    freeze_now(LAST_MINUTES)  # 23:30 Beijing time on 31 March: still in time
    auth.as_(world.operator)
    assert client.post(world.url, data=form_data(zeros, action="submit")).status_code == 302
    db.session.expire_all()
    assert world.participant.status == "submitted"


def test_an_administrator_extends_the_deadline_and_the_operators_are_told(
    client, auth, db, world, freeze_now
):
    freeze_now(NEXT_DAY)
    auth.as_(world.admin)
    response = client.post(f"{world.url}/extend", data={"until": "2026-03-30", "reason": ""})
    assert field_errors(text(response))["until"] == ["延期后的截止日期不能早于今天。"]
    response = client.post(f"{world.url}/extend", data={"until": "", "reason": ""})
    assert field_errors(text(response))["until"] == ["请选择延期后的截止日期。"]
    response = client.post(f"{world.url}/extend", data={"until": "2027-06-01", "reason": ""})
    assert field_errors(text(response))["until"] == ["延期不能超过 366 天。"]
    world.campaign.self_report_deadline = date(2026, 4, 3)  # not passed yet: an extension goes beyond it
    db.session.commit()
    response = client.post(f"{world.url}/extend", data={"until": "2026-04-02", "reason": ""})
    assert field_errors(text(response))["until"] == ["延期后的截止日期应晚于原截止日期 2026-04-03。"]
    world.campaign.self_report_deadline = date(2026, 3, 31)
    db.session.commit()
    assert notices_of(db, world.operator) == []
    response = client.post(
        f"{world.url}/extend", data={"until": "2026-04-07", "reason": "财务审计报告延迟出具"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert world.participant.extended_until.isoformat() == "2026-04-07"
    assert world.participant.deadline.isoformat() == "2026-04-07"

    audit = db.session.scalars(select(AuditLog).where(AuditLog.object_type == "evaluation_self_report")).one()
    assert audit.actor_id == world.admin.id and audit.reason == "财务审计报告延迟出具"
    assert audit.details == {"action": "extend", "extended_until": "2026-04-07", "previous": None}
    for operator in (world.operator, world.colleague):
        (notice,) = notices_of(db, operator)
        assert "延至 2026-04-07" in notice.message and "财务审计报告延迟出具" in notice.message
        assert notice.link.endswith(world.url)
    assert "批准延期至 2026-04-07" in text(client.get(world.url))

    auth.as_(world.operator)
    page = text(client.get(world.url))
    assert "2026-04-07" in page and "管理员已批准延期" in page
    assert (
        client.post(world.url, data=form_data(dict.fromkeys(FULL, "0"), action="submit")).status_code == 302
    )
    db.session.expire_all()
    assert world.participant.status == "submitted"


def test_a_submitted_report_needs_no_extension(client, auth, db, world):
    world.participant.status = "submitted"
    db.session.commit()
    auth.as_(world.admin)
    assert "批准延期" not in text(client.get(world.url))
    response = client.post(f"{world.url}/extend", data={"until": "2026-04-07"}, follow_redirects=True)
    assert "自评已提交，无需延期" in text(response)
    db.session.expire_all()
    assert world.participant.extended_until is None


# ---------------------------------------------------------------- return for correction


def test_an_administrator_returns_a_report_with_a_comment_and_the_platform_corrects_it(
    client, auth, db, world
):
    auth.as_(world.operator)
    client.post(world.url, data=form_data(dict.fromkeys(FULL, "0"), action="submit"))

    auth.as_(world.admin)
    page = text(client.get(world.url))
    assert "退回修改" in page and 'name="comment"' in page
    response = client.post(f"{world.url}/return", data={"comment": "  "})
    assert field_errors(text(response))["comment"] == ["请填写退回意见（平台将看到）。"]
    comment = "研发经费应为全口径支出，请补充审计报告。"
    assert client.post(f"{world.url}/return", data={"comment": comment}).status_code == 302
    db.session.expire_all()
    assert world.participant.status == "returned"
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "evaluation_self_report").order_by(AuditLog.id)
    ).all()[-1]
    assert (audit.old_state, audit.new_state, audit.reason, audit.actor_id) == (
        "submitted",
        "returned",
        comment,
        world.admin.id,
    )
    (notice,) = notices_of(db, world.operator)
    assert "退回修改" in notice.message and comment in notice.message and notice.link.endswith(world.url)

    auth.as_(world.operator)
    page = text(client.get(world.url))
    assert comment in page and 'name="value_rd_spending"' in page  # editable again
    assert "1" in text(client.get("/my/self-reports"))
    assert upload_evidence(client, world.participant).status_code == 302
    response = client.post(world.url, data=form_data({**FULL}, action="submit"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (
        world.participant.status == "submitted" and values_of(db, world.participant)["rd_spending"] == 350.5
    )


def test_only_a_submitted_report_in_the_self_report_phase_can_be_returned(client, auth, db, world):
    auth.as_(world.admin)
    assert 'name="comment"' not in text(client.get(world.url))  # a draft: nothing to return
    response = client.post(f"{world.url}/return", data={"comment": "请修改"}, follow_redirects=True)
    assert "不允许此操作" in text(response)
    world.participant.status = "submitted"
    world.campaign.status = "expert_review"
    db.session.commit()
    response = client.post(f"{world.url}/return", data={"comment": "请修改"}, follow_redirects=True)
    assert "自评填报阶段已结束" in text(response)
    db.session.expire_all()
    assert world.participant.status == "submitted"
    assert notices_of(db, world.operator) == []


def test_a_submitted_report_is_read_only_to_the_platform(client, auth, db, world):
    auth.as_(world.operator)
    client.post(world.url, data=form_data(dict.fromkeys(FULL, "0"), action="submit"))
    response = client.post(world.url, data=form_data({**FULL, "patents": "9"}))
    assert response.status_code == 302
    assert "自评已提交，不能再修改" in text(client.get(world.url))
    assert values_of(db, world.participant)["patents"] == 0.0
    assert upload_evidence(client, world.participant).status_code == 404  # no more evidence either


def test_nothing_changes_once_the_campaign_left_the_self_report_phase(client, auth, db, world):
    world.campaign.status = "expert_review"
    db.session.commit()
    auth.as_(world.operator)
    page = text(client.get(world.url))
    assert 'name="value_patents"' not in page
    client.post(world.url, data=form_data(FULL))
    assert "不在自评填报阶段" in text(client.get(world.url))
    assert set(values_of(db, world.participant).values()) == {None}


# ---------------------------------------------------------------- lists and navigation


def test_the_operators_navigation_counts_the_self_reports_still_to_submit(client, auth, db, world):
    auth.as_(world.operator)
    nav = re.search(r'<a href="/my/self-reports">(.*?)</a>', text(client.get("/notifications/")))
    assert nav and "绩效自评" in nav.group(1) and ">1</b>" in nav.group(1)
    page = text(client.get("/my/self-reports"))
    assert "青岛海洋生物发酵中试平台" in page and "2025" in page and "填写自评" in page

    client.post(world.url, data=form_data(dict.fromkeys(FULL, "0"), action="submit"))
    nav = re.search(r'<a href="/my/self-reports">(.*?)</a>', text(client.get("/notifications/")))
    assert nav and "badge" not in nav.group(1)  # nothing left to submit, the link stays

    auth.as_(world.users["firm"])
    assert "/my/self-reports" not in text(client.get("/notifications/"))
    auth.as_(world.users["other operator"])  # takes part too: its own count, never this platform's
    assert "青岛海洋生物发酵中试平台" not in text(client.get("/my/self-reports"))


def test_administrators_list_participants_by_self_report_status(client, auth, db, world):
    world.other.status = "submitted"
    db.session.commit()
    auth.as_(world.admin)
    page = text(client.get("/admin/self-reports"))
    assert world.campaign.title in page
    assert "/admin/self-reports" in text(client.get("/admin/"))  # in the administrators' menu
    url = f"/admin/evaluations/{world.campaign.id}/self-reports"
    page = text(client.get(url))
    assert "青岛海洋生物发酵中试平台" in page and "淄博化工中试基地" in page
    page = text(client.get(f"{url}?status=submitted"))
    assert "青岛海洋生物发酵中试平台" not in page and "淄博化工中试基地" in page
    page = text(client.get(f"{url}?status=draft"))
    assert "青岛海洋生物发酵中试平台" in page and "淄博化工中试基地" not in page
    page = text(client.get(f"{url}?status=returned"))
    assert "没有符合条件的平台" in page
    assert client.get(f"{url}?status=bogus").status_code == 200  # an unknown filter shows all
