"""Proposals and quotes: who may propose, the workflow by role, side-by-side comparison, acceptance
into an order with frozen terms, declines with reasons, expiry, and who sees them and their files."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace import vocab
from marketplace.bookings.models import Booking
from marketplace.core.errors import Conflict, DomainError, Forbidden
from marketplace.core.models import AuditLog
from marketplace.core.timeutil import local_today
from marketplace.inquiries import services
from marketplace.inquiries.models import PROPOSAL_WORKFLOW, Proposal, ProposalStatus
from tests import factories

PDF = b"%PDF-1.4\n%drawing\n"


class World:
    """A firm's open demand, an approved platform with its operator, and outsiders."""

    def __init__(self, db):
        self.firm = factories.UserFactory(role="firm")
        self.operator = factories.UserFactory(role="operator")
        self.platform = factories.PlatformFactory(
            organization=self.operator.organization, name="淄博化工中试基地"
        )
        self.demand = factories.DemandFactory(organization=self.firm.organization, created_by_id=self.firm.id)
        self.others = {
            "other firm": factories.UserFactory(role="firm"),
            "other operator": factories.UserFactory(role="operator"),
            "admin": factories.UserFactory(role="admin"),
        }
        db.session.commit()

    def user(self, role):
        return {"firm": self.firm, "operator": self.operator, **self.others}[role]

    def proposal(self, db, **fields) -> Proposal:
        proposal = factories.ProposalFactory(demand=self.demand, platform=self.platform, **fields)
        db.session.commit()
        return proposal


@pytest.fixture
def world(db):
    return World(db)


def form(**overrides) -> dict:
    data = {
        "title": "千吨级连续流硝化工艺方案",
        "scope": "完成连续流硝化工艺放大及安全评估。",
        "deliverables": "工艺包、HAZOP 报告、三批试产记录",
        "price_amount": "260000",
        "lead_time_days": "60",
        "valid_until": (local_today() + timedelta(days=20)).isoformat(),
    }
    return {**data, **overrides}


def reload(db, obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


# ---------------------------------------------------------------- proposing


def test_an_operator_proposes_on_an_open_demand_and_the_firm_is_told(client, auth, db, world, mail):
    auth.as_(world.operator)
    assert "提交方案与报价" in client.get(f"/demands/{world.demand.id}").get_data(as_text=True)
    response = client.post(f"/demands/{world.demand.id}/propose", data=form(platform_id=world.platform.id))
    proposal = db.session.scalar(select(Proposal))
    assert response.headers["Location"].endswith(f"/proposals/{proposal.id}")
    assert (proposal.status, proposal.price_amount, proposal.org_id) == (
        "submitted",
        260000,
        world.firm.org_id,
    )
    assert mail[-1]["to"] == world.firm.email and "千吨级连续流硝化工艺方案" in mail[-1]["body"]
    assert (
        db.session.scalar(select(AuditLog).where(AuditLog.object_type == "proposal")).new_state == "submitted"
    )


def test_a_blank_price_is_negotiable(client, auth, db, world):
    auth.as_(world.operator)
    client.post(
        f"/demands/{world.demand.id}/propose", data=form(platform_id=world.platform.id, price_amount="")
    )
    proposal = db.session.scalar(select(Proposal))
    assert proposal.price_amount is None and proposal.price_text == vocab.NEGOTIABLE


def test_the_form_says_every_problem_at_once(client, auth, db, world):
    auth.as_(world.operator)
    bad = form(
        platform_id=world.platform.id, title="", scope="", price_amount="1e400", valid_until="2000-01-01"
    )
    page = client.post(f"/demands/{world.demand.id}/propose", data=bad).get_data(as_text=True)
    assert "此项为必填项" in page and "有效期不能早于今天" in page and "价格应在 0 到 100 亿元之间" in page
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


@pytest.mark.parametrize("status", ["fulfilled", "withdrawn", "draft", "expired"])
def test_proposals_only_on_open_demands(client, auth, db, world, status):
    world.demand.status = status
    db.session.commit()
    auth.as_(world.operator)
    assert (
        client.post(
            f"/demands/{world.demand.id}/propose", data=form(platform_id=world.platform.id)
        ).status_code
        == 404
    )
    with pytest.raises(Conflict):
        services.submit_proposal(world.operator, world.platform, world.demand, services_data())
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def services_data() -> dict:
    return {
        "title": "方案",
        "scope": "范围",
        "deliverables": "成果",
        "price_amount": 1000.0,
        "lead_time_days": 10,
        "valid_until": local_today() + timedelta(days=5),
    }


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "suspended"])
def test_only_operators_of_approved_platforms_propose(client, auth, db, world, status):
    world.platform.status = status
    db.session.commit()
    auth.as_(world.operator)
    assert "提交方案与报价" not in client.get(f"/demands/{world.demand.id}").get_data(as_text=True)
    assert (
        client.post(
            f"/demands/{world.demand.id}/propose", data=form(platform_id=world.platform.id)
        ).status_code
        == 403
    )
    with pytest.raises(DomainError):
        services.submit_proposal(world.operator, world.platform, world.demand, services_data())


def test_firms_and_other_operators_cannot_propose_for_a_platform(client, auth, db, world):
    auth.as_(world.firm)
    assert client.get(f"/demands/{world.demand.id}/propose").status_code == 403
    for role in ("other operator", "admin"):
        with pytest.raises(Forbidden):
            services.submit_proposal(world.user(role), world.platform, world.demand, services_data())
    auth.as_(world.others["other operator"])  # its own platform is not this one
    other = factories.PlatformFactory(organization=world.others["other operator"].organization)
    db.session.commit()
    client.post(f"/demands/{world.demand.id}/propose", data=form(platform_id=world.platform.id))
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    client.post(f"/demands/{world.demand.id}/propose", data=form(platform_id=other.id))
    assert db.session.scalar(select(Proposal.platform_id)) == other.id


def test_one_waiting_proposal_per_platform_and_demand(client, auth, db, world):
    first = world.proposal(db)
    auth.as_(world.operator)
    page = client.post(f"/demands/{world.demand.id}/propose", data=form(platform_id=world.platform.id))
    assert "请先撤回原方案再重新提交" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Proposal.id))) == 1
    client.post(f"/proposals/{first.id}/withdraw")
    client.post(f"/demands/{world.demand.id}/propose", data=form(platform_id=world.platform.id))
    assert db.session.scalar(select(func.count(Proposal.id))) == 2


# ---------------------------------------------------------------- the workflow, by role

ROLES = ("firm", "operator", "other firm", "other operator", "admin")
MAY = {"firm": {"accept", "decline"}, "operator": {"withdraw"}}
ACTIONS = ("accept", "decline", "withdraw")


@pytest.mark.parametrize("state", list(ProposalStatus))
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_every_proposal_transition_by_every_role(client, auth, db, world, state, action, role):
    proposal = world.proposal(db, status=state)
    auth.as_(world.user(role))
    response = client.post(f"/proposals/{proposal.id}/{action}", data={"reason": "价格偏高"})
    allowed = action in MAY.get(role, ()) and (state, action) in PROPOSAL_WORKFLOW.transitions
    after = reload(db, proposal).status
    if allowed:
        assert response.status_code == 302 and after == PROPOSAL_WORKFLOW.transitions[(state, action)]
    else:
        assert after == state
        assert response.status_code in ((422, 302) if action in MAY.get(role, ()) else (403, 404))
    orders = db.session.scalar(select(func.count(Booking.id)))
    assert orders == (1 if allowed and action == "accept" else 0)


def test_the_system_alone_expires(db, world):
    proposal = world.proposal(db)
    for role in ROLES:
        with pytest.raises(Forbidden):
            services.transition_proposal(world.user(role), proposal, "expire")


# ---------------------------------------------------------------- accepting and declining


def test_accepting_makes_an_order_with_price_and_terms_frozen(client, auth, db, world, mail):
    proposal = world.proposal(db)
    auth.as_(world.firm)
    response = client.post(f"/proposals/{proposal.id}/accept")
    order = db.session.scalar(select(Booking))
    assert response.headers["Location"].endswith(f"/bookings/{order.id}")
    assert (order.kind, order.status, order.price_amount) == ("order", "accepted", 180000.0)
    assert (order.proposal_id, order.platform_id, order.org_id) == (
        proposal.id,
        world.platform.id,
        world.firm.org_id,
    )
    for term in (proposal.scope, proposal.deliverables, "45 天", "180,000 元"):
        assert term in order.terms
    assert mail[-1]["to"] == world.operator.email

    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f'href="/bookings/{order.id}"' in page  # the accepted proposal links to its order

    # nothing changes the order afterwards: no second acceptance, no new files, edits stay on the proposal
    assert client.post(f"/proposals/{proposal.id}/accept").status_code == 422
    auth.as_(world.operator)
    upload = client.post(
        f"/attachments/proposal/{proposal.id}",
        data={"file": (io.BytesIO(PDF), "新报价.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404 and reload(db, proposal).attachments == []
    client.post(f"/proposals/{proposal.id}/withdraw")  # refused: it is accepted
    assert reload(db, proposal).is_accepted
    proposal = reload(db, proposal)
    proposal.price_amount, proposal.scope = 1.0, "改过的范围"
    db.session.commit()
    order = reload(db, order)
    assert order.price_amount == 180000.0 and "改过的范围" not in order.terms
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_a_proposal_past_its_validity_cannot_be_accepted(client, auth, db, world):
    proposal = world.proposal(db, valid_until=local_today() - timedelta(days=1))
    auth.as_(world.firm)
    response = client.post(f"/proposals/{proposal.id}/accept")
    assert response.status_code == 422 and "有效期" in response.get_data(as_text=True)
    assert reload(db, proposal).is_submitted and db.session.scalar(select(func.count(Booking.id))) == 0


def test_declining_needs_a_reason_the_platform_reads(client, auth, db, world, mail):
    proposal = world.proposal(db)
    auth.as_(world.firm)
    refused = client.post(f"/proposals/{proposal.id}/decline", data={"reason": ""})
    assert refused.status_code == 422 and reload(db, proposal).is_submitted
    client.post(f"/proposals/{proposal.id}/decline", data={"reason": "周期太长"})
    proposal = reload(db, proposal)
    assert proposal.status == "declined" and proposal.decline_reason == "周期太长"
    assert mail[-1]["to"] == world.operator.email and "周期太长" in mail[-1]["body"]
    auth.as_(world.operator)
    assert "周期太长" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_accept_one_and_decline_the_others_with_one_reason(client, auth, db, world):
    chosen = world.proposal(db)
    others = [
        factories.ProposalFactory(demand=world.demand, title=f"备选方案{n}", price_amount=200000.0 + n)
        for n in range(2)
    ]
    unrelated = factories.ProposalFactory(title="别的需求的方案")
    db.session.commit()
    auth.as_(world.firm)
    assert client.post(f"/proposals/{chosen.id}/accept", data={"decline_others": "y"}).status_code == 422
    assert reload(db, chosen).is_submitted  # the reason is required for the others
    client.post(f"/proposals/{chosen.id}/accept", data={"decline_others": "y", "reason": "已选定其他平台"})
    assert reload(db, chosen).is_accepted
    for other in others:
        other = reload(db, other)
        assert (other.status, other.decline_reason) == ("declined", "已选定其他平台")
    assert reload(db, unrelated).is_submitted
    declines = select(func.count(AuditLog.id)).where(
        AuditLog.object_type == "proposal",
        AuditLog.new_state == "declined",
        AuditLog.reason == "已选定其他平台",
    )
    assert db.session.scalar(declines) == 2  # one audited transition per proposal


# ---------------------------------------------------------------- comparison


def test_the_firm_compares_all_proposals_side_by_side(client, auth, db, world):
    world.proposal(db)
    rival_platform = factories.PlatformFactory(name="烟台新材料中试平台", level="国家级", city="烟台")
    factories.ProposalFactory(
        demand=world.demand, platform=rival_platform, title="对手方案", price_amount=None, lead_time_days=30
    )
    factories.ReviewFactory(
        booking=factories.BookingFactory(
            offering=factories.OfferingFactory(platform=rival_platform), status="confirmed"
        ),
        rating=4,
    )
    factories.ProposalFactory(title="别人需求上的方案")
    db.session.commit()
    auth.as_(world.firm)
    page = client.get(f"/my/demands/{world.demand.id}/proposals").get_data(as_text=True)
    for shown in (
        "淄博化工中试基地",
        "烟台新材料中试平台",
        "国家级",
        "烟台",
        "180,000 元",
        vocab.NEGOTIABLE,
        "45 天",
        "30 天",
        "工艺报告",
        "4.0 分（1 条评价）",
        "暂无评价",
        "待企业答复",
    ):
        assert shown in page, shown
    assert "别人需求上的方案" not in page
    cards = page[page.index('class="compare"') :]
    assert cards.index("180,000 元") < cards.index(vocab.NEGOTIABLE)  # priced ones first
    auth.as_(world.others["other firm"])
    assert client.get(f"/my/demands/{world.demand.id}/proposals").status_code == 404


def test_a_decline_from_the_comparison_returns_to_it(client, auth, db, world):
    proposal = world.proposal(db)
    auth.as_(world.firm)
    response = client.post(
        f"/proposals/{proposal.id}/decline", data={"reason": "预算不足", "back": "compare"}
    )
    assert response.headers["Location"].endswith(f"/my/demands/{world.demand.id}/proposals")


def test_a_proposal_leads_its_firm_back_to_the_demand_and_the_comparison(client, auth, db, world):
    """After asking in a proposal's thread the firm had no way back to its demand or to the others."""
    proposal = world.proposal(db)
    compare = f'href="/my/demands/{world.demand.id}/proposals"'
    auth.as_(world.firm)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert compare in page and f'href="/demands/{world.demand.id}"' in page
    auth.as_(world.operator)
    assert compare not in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


# ---------------------------------------------------------------- quotes


def test_a_quote_answers_an_accepted_inquiry_and_becomes_an_order(client, auth, db, world):
    offering = factories.OfferingFactory(
        platform=world.platform, kind="service", price_amount=None, price_unit=None
    )
    inquiry = factories.InquiryFactory(
        offering=offering, platform_id=world.platform.id, created_by=world.firm
    )
    db.session.commit()
    auth.as_(world.operator)
    assert client.post(f"/inquiries/{inquiry.id}/quote", data=form()).status_code == 200  # not accepted yet
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    client.post(f"/inquiries/{inquiry.id}/accept")
    assert "提交报价" in client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    client.post(f"/inquiries/{inquiry.id}/quote", data=form(title="样品试制报价", price_amount="8000"))
    quote = db.session.scalar(select(Proposal))
    assert quote.is_quote and quote.inquiry_id == inquiry.id and quote.offering_id == offering.id
    assert quote.org_id == world.firm.org_id
    auth.as_(world.firm)
    assert "样品试制报价" in client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "样品试制报价" in client.get("/my/inquiries").get_data(as_text=True)
    client.post(f"/proposals/{quote.id}/accept")
    assert db.session.scalar(select(Booking.price_amount)) == 8000.0


# ---------------------------------------------------------------- expiry


def test_the_hourly_job_expires_proposals_past_their_validity(db, jobs, world, mail):
    stale = world.proposal(db, valid_until=local_today() - timedelta(days=1))
    current = factories.ProposalFactory(demand=world.demand, valid_until=local_today())
    db.session.commit()
    at = datetime(2030, 5, 6, 13, 7)
    assert "expire_proposals" in jobs.periodic_due(at)
    jobs.run_periodic(at)
    assert reload(db, stale).status == "expired" and reload(db, current).is_submitted
    audit = db.session.scalar(select(AuditLog).where(AuditLog.new_state == "expired"))
    assert audit.object_id == stale.id and audit.actor_id is None
    jobs.run_periodic(at)
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.new_state == "expired")) == 1


@pytest.mark.parametrize(
    ("action", "reason"),
    [("fulfil", "需求已标记为对接完成"), ("withdraw", "需求已撤回"), ("expire", "需求已过截止日期")],
)
def test_a_demand_that_closes_declines_the_proposals_waiting_on_it(client, auth, db, world, action, reason):
    """Noticed in use: a firm closed its demand and the platforms' proposals on it stayed waiting for an
    answer that would never come."""
    from marketplace.demands import services as demands

    waiting = world.proposal(db)
    accepted = world.proposal(db, status="accepted")
    elsewhere = factories.ProposalFactory()  # on another demand
    db.session.commit()
    if action == "expire":
        world.demand.deadline = local_today() - timedelta(days=1)
        demands.expire_overdue()
    else:
        demands.transition(world.firm, world.demand, action)
    db.session.commit()
    assert reload(db, waiting).status == "declined" and reload(db, waiting).decline_reason == reason
    assert reload(db, accepted).status == "accepted" and reload(db, elsewhere).is_submitted
    audit = db.session.scalar(
        select(AuditLog).where(AuditLog.object_type == "proposal", AuditLog.new_state == "declined")
    )
    assert audit.actor_id == (None if action == "expire" else world.firm.id) and audit.reason == reason
    auth.as_(world.operator)
    assert reason in client.get("/notifications/").get_data(as_text=True)


# ---------------------------------------------------------------- who sees proposals and their files


@pytest.mark.parametrize(
    ("role", "sees"),
    [("firm", True), ("operator", True), ("admin", True), ("other firm", False), ("other operator", False)],
)
def test_proposals_and_their_files_are_for_the_firm_the_platform_and_administrators(
    client, auth, db, world, role, sees
):
    proposal = world.proposal(db)
    auth.as_(world.operator)
    client.post(
        f"/attachments/proposal/{proposal.id}",
        data={"file": (io.BytesIO(PDF), "工艺流程图.pdf")},
        content_type="multipart/form-data",
    )
    attachment = reload(db, proposal).attachments[0]
    auth.as_(world.user(role))
    assert client.get(f"/proposals/{proposal.id}").status_code == (200 if sees else 404)
    assert client.get(f"/attachments/{attachment.id}").status_code == (200 if sees else 404)
    listed = client.get("/my/inquiries").get_data(as_text=True) if role != "admin" else ""
    assert (proposal.title in listed) is (sees and role != "admin")


def test_an_operator_sees_its_own_proposals_on_the_demand_page_and_nobody_elses(client, auth, db, world):
    world.proposal(db, title="我方方案")
    factories.ProposalFactory(demand=world.demand, title="别家方案")
    db.session.commit()
    auth.as_(world.operator)
    page = client.get(f"/demands/{world.demand.id}").get_data(as_text=True)
    assert "我方方案" in page and "别家方案" not in page
