"""Administrators work through the demands without a good match: forward one to chosen platforms (their
operators are told), recruit a platform for it or judge it outside 中试 services; the firm is told each
time and every action is recorded."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.core.models import utcnow
from marketplace.coverage import services
from marketplace.coverage.models import DemandFit, GapAction
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests import factories


@pytest.fixture
def gap(db):
    firm = factories.UserFactory(role="firm")
    demand = factories.DemandFactory(
        organization=firm.organization,
        title="青铜器缓蚀封护材料中试",
        domains=["新材料"],
        published_at=utcnow(),
    )
    db.session.add(DemandFit(demand_id=demand.id, best_fit=0.1, unmet_since=utcnow() - timedelta(days=10)))
    platform = factories.PlatformFactory(domains=["新材料"], name="淄博新材料中试平台")
    operator = factories.UserFactory(role="operator", organization=platform.organization)
    factories.PlatformFactory(domains=["生物医药"], name="不相关的平台")
    db.session.commit()
    return {"firm": firm, "demand": demand, "platform": platform, "operator": operator}


def messages(user):
    sent = select(Notification.message).where(Notification.user_id == user.id).order_by(Notification.id)
    return list(db.session.scalars(sent))


def listed(client, state=""):
    return 'class="panel gap-demand"' in client.get(f"/admin/coverage/unmet{state}").get_data(as_text=True)


def test_forwarding_tells_the_platforms_and_the_firm(client, auth, admin_user, gap):
    auth.as_(admin_user)
    page = client.get("/admin/coverage/unmet").get_data(as_text=True)
    assert "淄博新材料中试平台" in page and "不相关的平台" not in page  # platforms of the demand's domains
    prefix = f"d{gap['demand'].id}"
    response = client.post(
        f"/admin/coverage/unmet/{gap['demand'].id}",
        data={
            f"{prefix}-action": "forward",
            f"{prefix}-platforms": gap["platform"].id,
            f"{prefix}-note": "请尽快联系",
        },
    )
    assert response.status_code == 302
    assert messages(gap["firm"]) == [
        "管理员已将您的需求“青铜器缓蚀封护材料中试”推荐给：淄博新材料中试平台。请尽快联系"
    ]
    assert messages(gap["operator"]) == [
        "管理员向贵平台推荐了一项尚无合适供给的中试需求：青铜器缓蚀封护材料中试。请尽快联系。"
    ]
    [record] = db.session.scalars(select(GapAction))
    assert (record.action, record.platform_ids, record.by_id) == (
        "forward",
        [gap["platform"].id],
        admin_user.id,
    )
    assert not listed(client) and listed(client, "?state=handled")


def test_forwarding_needs_a_platform_and_the_others_a_note(client, auth, admin_user, gap):
    auth.as_(admin_user)
    prefix = f"d{gap['demand'].id}"
    url = f"/admin/coverage/unmet/{gap['demand'].id}"
    response = client.post(url, data={f"{prefix}-action": "forward"})
    assert response.status_code == 422 and "请至少选择一个平台" in response.get_data(as_text=True)
    response = client.post(url, data={f"{prefix}-action": "recruit", f"{prefix}-note": "  "})
    assert response.status_code == 422 and "请填写说明" in response.get_data(as_text=True)
    response = client.post(url, data={f"{prefix}-note": "x"})
    assert response.status_code == 422 and "请选择处理方式" in response.get_data(as_text=True)
    assert db.session.scalar(select(GapAction)) is None and messages(gap["firm"]) == []


def unmet_count() -> int:
    return services.totals(services.coverage(services.default_period()))["unmet_demands"]


def test_a_demand_outside_the_scope_leaves_the_list(client, auth, admin_user, gap):
    assert unmet_count() == 1
    auth.as_(admin_user)
    prefix = f"d{gap['demand'].id}"
    client.post(
        f"/admin/coverage/unmet/{gap['demand'].id}",
        data={f"{prefix}-action": "out_of_scope", f"{prefix}-note": "属于文物保护研究，建议联系文保机构。"},
    )
    assert messages(gap["firm"]) == [
        "经评估，您的需求“青铜器缓蚀封护材料中试”不属于中试服务范围：属于文物保护研究，建议联系文保机构。"
    ]
    assert not listed(client) and not listed(client, "?state=handled")
    assert unmet_count() == 0  # judged outside 中试 services: no supply gap
    assert listed(client, "?state=out_of_scope")  # where the judgement can be reviewed


def test_an_out_of_scope_judgement_can_be_taken_back(client, auth, admin_user, gap):
    demand = gap["demand"]
    auth.as_(admin_user)
    url = f"/admin/coverage/unmet/{demand.id}/reconsider"
    client.post(url, data={"reason": "说明"})  # not judged: refused, nothing recorded
    assert db.session.scalar(select(GapAction)) is None
    services.act_on_gap(admin_user, demand.id, "out_of_scope", "不属于中试。", [])
    db.session.commit()
    client.post(url, data={"reason": ""})  # the firm reads why: a note is needed
    assert unmet_count() == 0
    client.post(url, data={"reason": "企业补充了放大需求，属于中试服务。"})
    assert unmet_count() == 1 and listed(client) and not listed(client, "?state=out_of_scope")
    assert messages(gap["firm"])[-1].startswith("管理员重新评估了您的需求“青铜器缓蚀封护材料中试”")
    actions = [a.action_label for a in db.session.scalars(select(GapAction).order_by(GapAction.id))]
    assert actions == ["不属于中试服务范围", "重新纳入"]
    # judged out of scope again later: out again
    services.act_on_gap(admin_user, demand.id, "out_of_scope", "复核后仍不属于。", [])
    db.session.commit()
    assert unmet_count() == 0
    auth.as_(gap["firm"])
    assert client.post(url, data={"reason": "x"}).status_code == 403


def test_only_administrators_act_and_only_on_open_demands(client, auth, admin_user, gap):
    auth.as_(gap["firm"])
    assert client.post(f"/admin/coverage/unmet/{gap['demand'].id}", data={}).status_code == 403
    gap["demand"].status = "fulfilled"
    db.session.commit()
    auth.as_(admin_user)
    assert client.post(f"/admin/coverage/unmet/{gap['demand'].id}", data={}).status_code == 404
    assert client.post("/admin/coverage/unmet/99999", data={}).status_code == 404


def test_a_refused_form_stays_in_sight_even_off_the_list(client, auth, admin_user, gap):
    fresh = factories.DemandFactory(title="刚发布的冷门需求")
    db.session.add(DemandFit(demand_id=fresh.id, best_fit=0.05, unmet_since=utcnow()))
    db.session.commit()
    auth.as_(admin_user)
    response = client.post(f"/admin/coverage/unmet/{fresh.id}", data={f"d{fresh.id}-action": "recruit"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "刚发布的冷门需求" in page and "请填写说明" in page


def test_the_kept_public_figures_follow_a_judgement_at_once(client, auth, admin_user, gap):
    """/statistics is kept until public content changes: judging a demand out of scope (or taking that
    back) is such a change, so the next visitor reads the new count."""

    def unmet_on_page() -> str:
        page = client.get("/statistics").get_data(as_text=True)
        return page.split("无良好匹配")[0].rsplit("<b>", 1)[1].split("</b>")[0]

    auth.logout()
    assert unmet_on_page() == "1"
    services.act_on_gap(admin_user, gap["demand"].id, "out_of_scope", "不属于中试。", [])
    db.session.commit()
    assert unmet_on_page() == "0"
    services.reconsider(admin_user, gap["demand"].id, "重新纳入。")
    db.session.commit()
    assert unmet_on_page() == "1"
