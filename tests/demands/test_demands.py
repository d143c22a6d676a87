"""Demands: the firm's workflow, public summaries, confidential parts and expiry."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.core.models import AuditLog
from marketplace.core.timeutil import local_today
from marketplace.demands import services
from marketplace.demands.models import Demand
from tests import factories

FORM = {
    "title": "重组蛋白发酵工艺放大",
    "description": "实验室5 L罐表达稳定，需放大到500 L发酵罐。",
    "domains": ["生物医药"],
    "kinds": ["equipment", "service"],
    "trl": "5",
    "budget_max": "300000",
    "window_start": "2099-01-01",
    "window_end": "2099-06-30",
    "city_preference": ["青岛"],
    "confidential_detail": "菌株编号 ZS-42",
}


def disclose(client, demand, platform):
    """The firm sends the platform an inquiry about its demand, confirmed, without an undertaking:
    the confidential part opens at once (what the one-click “联系平台” did before)."""
    data = {"demand_id": demand.id, "subject": "咨询", "body": "请看需求", "confirmed": "1"}
    return client.post(f"/my/inquiries/new?platform={platform.id}", data=data)


@pytest.fixture
def demand(db, firm_user):
    demand = factories.DemandFactory(organization=firm_user.organization)
    db.session.commit()
    return demand


def test_firm_posts_and_publishes_a_demand(client, auth, db, firm_user):
    auth.as_(firm_user)
    response = client.post("/my/demands/new", data={**FORM, "publish": "1"})
    demand = db.session.scalar(select(Demand))
    assert response.headers["Location"].endswith(f"/demands/{demand.id}")
    assert (
        demand.status == "open" and demand.deadline == date(2099, 6, 30) and demand.org_id == firm_user.org_id
    )
    assert "重组蛋白发酵工艺放大" in client.get("/demands").get_data(as_text=True)


def test_draft_is_private_until_published(client, auth, db, firm_user):
    auth.as_(firm_user)
    client.post("/my/demands/new", data={**FORM, "publish": "0"})
    demand = db.session.scalar(select(Demand))
    assert demand.status == "draft"
    auth.logout()
    assert client.get(f"/demands/{demand.id}").status_code == 404


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"title": ""}, "此项为必填项"),
        ({"trl": "12"}, "应在 1 到 9 之间"),
        ({"window_end": "2098-01-01"}, "结束日期不能早于开始日期"),
        ({"budget_max": "-1"}, "预算不能为负数"),
        ({"budget_max": "1e400"}, "预算应在 0 到 100 亿元之间"),
        ({"budget_max": "NaN"}, "预算应为 0 到 100 亿元之间的有效数字"),
        ({"trl": str(10**30)}, "技术成熟度应在 1 到 9 之间"),
        ({"domains": []}, "请至少选择一个领域"),
    ],
)
def test_bad_demand_input_rerenders_with_message(client, auth, db, firm_user, overrides, message):
    auth.as_(firm_user)
    response = client.post("/my/demands/new", data={**FORM, **overrides})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(Demand.id)) is None


def test_the_service_refuses_an_infinite_budget_whoever_calls_it(db, firm_user, demand):
    from marketplace.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        services.update_demand(firm_user, demand, {"budget_max": float("inf")})
    assert refused.value.errors == [("budget_max", "预算应为 0 到 100 亿元之间的有效数字。")]
    with pytest.raises(DomainError):
        services.create_demand(firm_user, {**FORM, "domains": ["生物医药"], "trl": 5, "budget_max": 1e308})


def test_close_and_reopen_with_audit(client, auth, db, firm_user, demand):
    auth.as_(firm_user)
    client.post(f"/my/demands/{demand.id}/fulfil")
    db.session.refresh(demand)
    assert demand.status == "fulfilled"
    assert "重组蛋白" not in client.get("/demands").get_data(as_text=True)
    client.post(f"/my/demands/{demand.id}/reopen")
    db.session.refresh(demand)
    assert demand.status == "open"
    client.post(f"/my/demands/{demand.id}/withdraw")
    db.session.refresh(demand)
    assert demand.status == "withdrawn"
    states = [(a.old_state, a.new_state) for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert states == [("open", "fulfilled"), ("fulfilled", "open"), ("open", "withdrawn")]


def test_other_firms_cannot_edit_or_close(client, auth, db, demand):
    intruder = factories.UserFactory(role="firm")
    db.session.commit()
    auth.as_(intruder)
    assert client.post(f"/my/demands/{demand.id}/edit", data=FORM).status_code == 404
    assert client.post(f"/my/demands/{demand.id}/withdraw").status_code == 404
    db.session.refresh(demand)
    assert demand.status == "open" and demand.title != FORM["title"]


def test_confidential_part_visible_only_to_owner_admins_and_contacted_platforms(
    client, auth, db, firm_user, admin_user, demand
):
    secret = "菌株编号 ZS-42"
    contacted = factories.PlatformFactory()
    other = factories.PlatformFactory()
    contacted_op = factories.UserFactory(role="operator", organization=contacted.organization)
    other_op = factories.UserFactory(role="operator", organization=other.organization)
    other_firm = factories.UserFactory(role="firm")
    db.session.commit()
    assert secret not in client.get(f"/demands/{demand.id}").get_data(as_text=True)  # anonymous
    for user, sees in (
        (firm_user, True),
        (admin_user, True),
        (contacted_op, False),
        (other_op, False),
        (other_firm, False),
    ):
        auth.as_(user)
        assert (secret in client.get(f"/demands/{demand.id}").get_data(as_text=True)) is sees, user.role
    auth.as_(firm_user)
    disclose(client, demand, contacted)
    auth.as_(contacted_op)
    assert secret in client.get(f"/demands/{demand.id}").get_data(as_text=True)
    auth.as_(other_op)
    assert secret not in client.get(f"/demands/{demand.id}").get_data(as_text=True)


def test_contacting_notifies_the_platform(client, auth, db, mail, firm_user, demand):
    platform = factories.PlatformFactory()
    operator = factories.UserFactory(role="operator", organization=platform.organization)
    db.session.commit()
    auth.as_(firm_user)
    disclose(client, demand, platform)
    assert mail[-1]["to"] == operator.email and demand.title in mail[-1]["body"]


def test_confidential_attachments_follow_the_same_rule(client, auth, db, firm_user, demand):
    auth.as_(firm_user)
    client.post(
        f"/attachments/demand/{demand.id}",
        data={"file": (io.BytesIO(b"%PDF-1.4 secret"), "spec.pdf")},
        content_type="multipart/form-data",
    )
    db.session.refresh(demand)
    attachment = demand.attachments[0]
    assert client.get(f"/attachments/{attachment.id}").status_code == 200
    platform = factories.PlatformFactory()
    operator = factories.UserFactory(role="operator", organization=platform.organization)
    db.session.commit()
    auth.as_(operator)
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    auth.as_(firm_user)
    disclose(client, demand, platform)
    auth.as_(operator)
    assert client.get(f"/attachments/{attachment.id}").status_code == 200
    auth.logout()
    assert client.get(f"/attachments/{attachment.id}").status_code == 404


def test_open_demands_expire_after_their_deadline(client, runner, db):
    overdue = factories.DemandFactory(deadline=local_today() - timedelta(days=1), title="过期的需求")
    current = factories.DemandFactory(title="有效的需求")
    db.session.commit()
    listing = client.get("/demands").get_data(as_text=True)
    assert "过期的需求" not in listing and "有效的需求" in listing  # hidden even before the daily job runs
    assert client.get(f"/demands/{overdue.id}").status_code == 404
    result = runner.invoke(args=["demands", "expire"])
    assert "1 条需求已过期" in result.output
    db.session.refresh(overdue)
    db.session.refresh(current)
    assert (overdue.status, current.status) == ("expired", "open")


def test_reopening_needs_a_future_deadline(db, firm_user):
    demand = factories.DemandFactory(
        organization=firm_user.organization, status="expired", deadline=local_today() - timedelta(days=3)
    )
    with pytest.raises(services.DomainError) as refused:
        services.transition(firm_user, demand, "reopen")
    assert refused.value.errors[0][0] == "deadline"


#: 17:00 UTC on 1 March is already 01:00 on 2 March in Shandong.
SHANDONG_AFTER_MIDNIGHT = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)


def test_a_deadline_is_a_day_in_shandong_not_in_utc(client, runner, db, freeze_now):
    freeze_now(SHANDONG_AFTER_MIDNIGHT)
    passed = factories.DemandFactory(deadline=date(2026, 3, 1), title="三月一日截止的需求")
    today = factories.DemandFactory(deadline=date(2026, 3, 2), title="三月二日截止的需求")
    db.session.commit()
    assert (passed.is_open, today.is_open) == (False, True)
    listing = client.get("/demands").get_data(as_text=True)
    assert "三月一日截止的需求" not in listing and "三月二日截止的需求" in listing
    assert client.get(f"/demands/{passed.id}").status_code == 404
    assert client.get(f"/demands/{today.id}").status_code == 200
    assert "1 条需求已过期" in runner.invoke(args=["demands", "expire"]).output
    db.session.refresh(passed)
    db.session.refresh(today)
    assert (passed.status, today.status) == ("expired", "open")


def test_publishing_checks_the_deadline_against_the_shandong_date(db, firm_user, freeze_now):
    freeze_now(SHANDONG_AFTER_MIDNIGHT)
    org = firm_user.organization
    late = factories.DemandFactory(organization=org, status="draft", deadline=date(2026, 3, 1))
    on_time = factories.DemandFactory(organization=org, status="draft", deadline=date(2026, 3, 2))
    with pytest.raises(services.DomainError) as refused:
        services.transition(firm_user, late, "publish")
    assert refused.value.errors[0][0] == "deadline"
    services.transition(firm_user, on_time, "publish")
    assert on_time.status == "open" and on_time.published_at == SHANDONG_AFTER_MIDNIGHT


def test_demand_pages_show_local_dates(client, auth, db, firm_user, freeze_now):
    freeze_now(SHANDONG_AFTER_MIDNIGHT)
    demand = factories.DemandFactory(
        organization=firm_user.organization, deadline=date(2026, 3, 20), published_at=SHANDONG_AFTER_MIDNIGHT
    )
    db.session.commit()
    assert "发布于 2026-03-02" in client.get(f"/demands/{demand.id}").get_data(as_text=True)
    auth.as_(firm_user)
    mine = client.get("/my/demands").get_data(as_text=True)
    assert "2026-03-20" in mine and "2026-03-02 01:00" in mine  # deadline as is, last change in local time


def test_operators_cannot_post_demands(client, auth, operator_user):
    auth.as_(operator_user)
    assert client.post("/my/demands/new", data=FORM).status_code == 403


def test_a_call_cannot_close_after_the_work_should_be_done(client, auth, db, firm_user):
    """Found by a first-time user: 征集截止 2027-03-01 was accepted with 期望完成日期 2026-12-31."""
    auth.as_(firm_user)
    response = client.post(
        "/my/demands/new",
        data={
            "title": "锂电正极材料中试放大",
            "description": "放大到 50 kg/批",
            "domains": ["新能源"],
            "window_start": "2099-01-01",
            "window_end": "2099-06-30",
            "deadline": "2099-09-01",
        },
    )
    assert "征集截止日期不能晚于期望完成日期。" in response.get_data(as_text=True)
