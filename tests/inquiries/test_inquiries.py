"""Inquiries: what a firm discloses and when (保密承诺), who sees whom, the workflow by role, the
demand page's list, and the old one-click “联系平台” that no longer discloses anything."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from marketplace import vocab
from marketplace.core.models import AuditLog, utcnow
from marketplace.core.timeutil import format_datetime
from marketplace.demands.models import DemandContact
from marketplace.inquiries.models import INQUIRY_WORKFLOW, Inquiry, InquiryStatus
from tests import factories

SECRET = "菌株编号 ZS-42"
PDF = b"%PDF-1.4\n%secret spec\n"


class World:
    """A firm with an open demand (confidential text and file), a platform with a service offering
    and its operator, and outsiders of every kind."""

    def __init__(self, db, demand: dict | None = None):
        self.firm = factories.UserFactory(role="firm", name="张经理", phone="0531-12345678")
        self.operator = factories.UserFactory(role="operator", name="李工程师", phone="13900001111")
        self.platform = factories.PlatformFactory(
            organization=self.operator.organization, name="青岛发酵中试平台"
        )
        self.offering = factories.OfferingFactory(
            platform=self.platform,
            kind="service",
            title="发酵工艺放大服务",
            price_amount=None,
            price_unit=None,
        )
        self.demand = factories.DemandFactory(
            organization=self.firm.organization, created_by_id=self.firm.id, **(demand or {})
        )
        self.file = factories.AttachmentFactory(
            owner=self.demand, filename="菌种说明.pdf", content_type="application/pdf"
        )
        self.others = {
            "other firm": factories.UserFactory(role="firm"),
            "other operator": factories.UserFactory(role="operator"),
            "admin": factories.UserFactory(role="admin"),
        }
        db.session.commit()

    def send(self, client, auth, *, nda: bool | None, demand=True, **extra):
        """The firm sends an inquiry about the offering (with its demand, confirmed; nda None: no demand)."""
        auth.as_(self.firm)
        data = {"offering_id": self.offering.id, "subject": "放大工艺咨询", "body": "请问能否承接？"}
        if demand:
            data.update(demand_id=self.demand.id, confirmed="1")
            if nda:
                data["requires_nda"] = "y"
        data.update(extra)
        return client.post(f"/my/inquiries/new?offering={self.offering.id}", data=data)


@pytest.fixture
def world(db):
    return World(db)


def inquiry_of(db) -> Inquiry:
    db.session.expire_all()
    return db.session.scalar(select(Inquiry))


def disclosed(db, world) -> bool:
    return (
        db.session.scalar(
            select(func.count(DemandContact.id)).where(
                DemandContact.demand_id == world.demand.id, DemandContact.platform_id == world.platform.id
            )
        )
        > 0
    )


def operator_reads_secret(client, auth, world) -> bool:
    auth.as_(world.operator)
    return SECRET in client.get(f"/demands/{world.demand.id}").get_data(as_text=True)


# ---------------------------------------------------------------- what is disclosed, and when


def test_attaching_a_demand_shows_what_will_be_disclosed_before_anything_is_sent(client, auth, db, world):
    auth.as_(world.firm)
    url = f"/my/inquiries/new?offering={world.offering.id}&demand={world.demand.id}"
    form = client.get(url).get_data(as_text=True)
    assert f'<option selected value="{world.demand.id}">' in form  # pre-filled with the demand

    step = client.post(
        url,
        data={
            "offering_id": world.offering.id,
            "demand_id": world.demand.id,
            "subject": "咨询",
            "body": "能否承接？",
        },
    )
    page = step.get_data(as_text=True)
    assert step.status_code == 200 and "将向“青岛发酵中试平台”开放的保密信息" in page
    assert SECRET in page and "菌种说明.pdf" in page and vocab.NDA_TEXT in page
    # the confirmation carries the typed fields hidden: no note on required fields it does not show
    assert '带 <span class="req">*</span> 的为必填项' not in page
    assert (
        inquiry_of(db) is None and not disclosed(db, world) and not operator_reads_secret(client, auth, world)
    )


def test_without_an_undertaking_the_details_open_when_the_inquiry_is_sent(client, auth, db, world, mail):
    response = world.send(client, auth, nda=False)
    inquiry = inquiry_of(db)
    assert response.headers["Location"].endswith(f"/inquiries/{inquiry.id}")
    assert inquiry.status == InquiryStatus.OPEN and not inquiry.requires_nda
    assert disclosed(db, world) and operator_reads_secret(client, auth, world)
    assert world.operator.email in [m["to"] for m in mail] and world.demand.title in mail[-1]["body"]


def test_with_an_undertaking_nothing_opens_until_an_operator_accepts_it(client, auth, db, world, freeze_now):
    world.send(client, auth, nda=True)
    inquiry = inquiry_of(db)
    assert inquiry.requires_nda and not disclosed(db, world)
    assert not operator_reads_secret(client, auth, world)

    auth.as_(world.operator)
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert vocab.NDA_TEXT in page and SECRET not in page
    refused = client.post(f"/inquiries/{inquiry.id}/accept", data={})  # the undertaking not ticked
    assert refused.status_code == 422 and "保密承诺" in refused.get_data(as_text=True)
    assert inquiry_of(db).status == InquiryStatus.OPEN and not disclosed(db, world)

    moment = freeze_now(utcnow().replace(microsecond=0))
    auth.as_(world.operator)
    assert client.post(f"/inquiries/{inquiry.id}/accept", data={"accept_nda": "y"}).status_code == 302
    inquiry = inquiry_of(db)
    assert inquiry.status == InquiryStatus.ACCEPTED
    assert inquiry.nda_accepted_at == moment and inquiry.nda_accepted_by_id == world.operator.id
    assert inquiry.responded_at == moment
    assert disclosed(db, world) and operator_reads_secret(client, auth, world)
    auth.as_(world.firm)
    assert f"保密承诺已于 {format_datetime(moment)} 由平台签署（签署人：李工程师）" in client.get(
        f"/inquiries/{inquiry.id}"
    ).get_data(as_text=True)


@pytest.mark.parametrize("ending", ["decline", "withdraw"])
def test_a_declined_or_withdrawn_inquiry_with_an_undertaking_never_discloses(client, auth, db, world, ending):
    world.send(client, auth, nda=True)
    inquiry = inquiry_of(db)
    auth.as_(world.operator if ending == "decline" else world.firm)
    client.post(f"/inquiries/{inquiry.id}/{ending}", data={"reason": "本月排期已满"})
    assert inquiry_of(db).status != InquiryStatus.OPEN
    assert not disclosed(db, world) and not operator_reads_secret(client, auth, world)


def test_an_inquiry_without_a_demand_discloses_nothing(client, auth, db, world):
    world.send(client, auth, nda=None, demand=False)
    inquiry = inquiry_of(db)
    assert inquiry.demand_id is None and not inquiry.requires_nda and not disclosed(db, world)


def test_only_the_firms_own_open_demands_can_be_attached(client, auth, db, world):
    foreign = factories.DemandFactory()
    closed = factories.DemandFactory(organization=world.firm.organization, status="fulfilled")
    db.session.commit()
    for demand in (foreign, closed):
        response = world.send(client, auth, nda=False, demand_id=demand.id)
        assert response.status_code == 200 and inquiry_of(db) is None
    assert db.session.scalar(select(func.count(DemandContact.id))) == 0


# ---------------------------------------------------------------- contact persons


def test_contact_persons_are_hidden_before_acceptance_and_shown_after(client, auth, db, world):
    world.send(client, auth, nda=False)
    inquiry = inquiry_of(db)
    auth.as_(world.operator)
    before = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert world.firm.organization.name in before
    for detail in (world.firm.name, world.firm.email, world.firm.phone):
        assert detail not in before
    auth.as_(world.firm)
    before = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    for detail in (world.operator.name, world.operator.email, world.operator.phone):
        assert detail not in before

    auth.as_(world.operator)
    client.post(f"/inquiries/{inquiry.id}/accept", data={})
    after = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    for detail in (world.firm.name, world.firm.organization.name, world.firm.email, world.firm.phone):
        assert detail in after
    auth.as_(world.firm)
    after = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    for detail in (
        world.operator.name,
        world.operator.organization.name,
        world.operator.email,
        "13900001111",
    ):
        assert detail in after


def test_an_anonymous_demand_names_no_firm_to_the_platform_before_acceptance(client, auth, db):
    world = World(db, demand={"is_anonymous": True})
    world.send(client, auth, nda=True)
    inquiry = inquiry_of(db)
    auth.as_(world.operator)
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert vocab.ANONYMOUS_FIRM in page and world.firm.organization.name not in page
    assert world.firm.organization.name not in client.get("/my/inquiries").get_data(as_text=True)
    client.post(f"/inquiries/{inquiry.id}/accept", data={"accept_nda": "y"})
    assert world.firm.organization.name in client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)


# ---------------------------------------------------------------- the workflow, by role

ROLES = ("firm", "operator", "other firm", "other operator", "admin")
#: What each side may do (the workflow's table decides when).
MAY = {"firm": {"withdraw", "close"}, "operator": {"accept", "decline", "close"}}


@pytest.mark.parametrize("state", list(InquiryStatus))
@pytest.mark.parametrize("action", list(vocab.INQUIRY_ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_every_inquiry_transition_by_every_role(client, auth, db, world, state, action, role):
    inquiry = factories.InquiryFactory(
        offering=world.offering, platform_id=world.platform.id, created_by=world.firm, status=state
    )
    db.session.commit()
    user = {"firm": world.firm, "operator": world.operator, **world.others}[role]
    auth.as_(user)
    response = client.post(f"/inquiries/{inquiry.id}/{action}", data={"reason": "说明"})
    allowed_by_table = (state, action) in INQUIRY_WORKFLOW.transitions
    if action in MAY.get(role, ()) and allowed_by_table:
        assert response.status_code == 302
        assert inquiry_of(db).status == INQUIRY_WORKFLOW.transitions[(state, action)]
        assert (
            db.session.scalar(select(AuditLog).where(AuditLog.object_type == "inquiry")).actor_id == user.id
        )
    else:
        assert response.status_code == (422 if action in MAY.get(role, ()) else 404)
        assert inquiry_of(db).status == state


def test_declining_needs_a_reason_that_the_firm_reads(client, auth, db, world, mail):
    world.send(client, auth, nda=False)
    inquiry = inquiry_of(db)
    auth.as_(world.operator)
    assert client.post(f"/inquiries/{inquiry.id}/decline", data={"reason": " "}).status_code == 422
    assert inquiry_of(db).status == InquiryStatus.OPEN
    client.post(f"/inquiries/{inquiry.id}/decline", data={"reason": "设备检修至下月"})
    assert inquiry_of(db).status == InquiryStatus.DECLINED and inquiry_of(db).responded_at is not None
    assert mail[-1]["to"] == world.firm.email and "设备检修至下月" in mail[-1]["body"]
    auth.as_(world.firm)
    assert "设备检修至下月" in client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)


def test_every_transition_is_told_to_the_other_side_in_the_app_and_by_mail(client, auth, db, world, mail):
    world.send(client, auth, nda=False)
    inquiry = inquiry_of(db)
    auth.as_(world.operator)
    client.post(f"/inquiries/{inquiry.id}/accept", data={})
    assert mail[-1]["to"] == world.firm.email and "接受咨询" in mail[-1]["body"]
    auth.as_(world.firm)
    client.post(f"/inquiries/{inquiry.id}/close", data={})
    assert mail[-1]["to"] == world.operator.email and "结束咨询" in mail[-1]["body"]
    auth.as_(world.operator)
    notices = client.get("/notifications/").get_data(as_text=True)
    assert "发送了咨询" in notices and "结束咨询" in notices


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("role", ["other firm", "other operator"])
def test_other_firms_and_platforms_get_404(client, auth, db, world, role):
    world.send(client, auth, nda=False)
    inquiry = inquiry_of(db)
    auth.as_(world.others[role])
    assert client.get(f"/inquiries/{inquiry.id}").status_code == 404
    assert client.get(f"/inquiries/{inquiry.id}/quote").status_code in (403, 404)
    assert inquiry.subject not in client.get("/my/inquiries").get_data(as_text=True)


def test_the_lists_show_each_side_its_own_with_waiting_times(client, auth, db, world):
    world.send(client, auth, nda=False)
    factories.InquiryFactory(subject="别家企业的咨询")
    db.session.commit()
    for user in (world.firm, world.operator):
        auth.as_(user)
        page = client.get("/my/inquiries").get_data(as_text=True)
        assert "放大工艺咨询" in page and "别家企业的咨询" not in page
    assert "已等待" in page  # the operator sees how long the inquiry has waited


# ---------------------------------------------------------------- the demand page and the old route


def test_the_demand_page_lists_every_inquiry_and_proposal_whatever_the_ranking(client, auth, db, world):
    stranger = factories.PlatformFactory(name="日照海洋食品中试基地", domains=["食品"])
    # its only offering is paused now: the platform is out of the matches
    factories.OfferingFactory(platform=stranger, title="饼干烘焙工艺验证", status="paused")
    factories.InquiryFactory(
        offering=None,
        platform_id=stranger.id,
        created_by=world.firm,
        demand=world.demand,
        subject="冷门平台咨询",
    )
    factories.ProposalFactory(demand=world.demand, platform=stranger, title="冷门平台方案")
    db.session.commit()
    auth.as_(world.firm)
    page = client.get(f"/demands/{world.demand.id}").get_data(as_text=True)
    dealings = page.split('id="dealings"')[1].split("</section>")[0]
    assert "冷门平台咨询" in dealings and "冷门平台方案" in dealings and "日照海洋食品中试基地" in dealings
    assert "待回复" in dealings and "待企业答复" in dealings
    matches = page.split('id="matches"')[1]
    assert "日照海洋食品中试基地" not in matches and world.offering.title in matches


def test_the_match_list_offers_an_inquiry_prefilled_with_the_demand(client, auth, db, world):
    auth.as_(world.firm)
    page = client.get(f"/demands/{world.demand.id}").get_data(as_text=True)
    assert "联系平台" not in page
    assert f"/my/inquiries/new?offering={world.offering.id}&amp;demand={world.demand.id}" in page


def test_the_old_contact_route_discloses_nothing(client, auth, db, world, mail):
    auth.as_(world.firm)
    response = client.post(f"/my/demands/{world.demand.id}/contact/{world.platform.id}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/my/inquiries/new?platform={world.platform.id}&demand={world.demand.id}"
    )
    assert not disclosed(db, world) and mail == [] and inquiry_of(db) is None
    assert not operator_reads_secret(client, auth, world)
    auth.as_(world.others["other firm"])
    assert client.post(f"/my/demands/{world.demand.id}/contact/{world.platform.id}").status_code == 404


def test_the_offering_page_offers_an_inquiry(client, auth, db, world):
    page = client.get(f"/offerings/{world.offering.id}").get_data(as_text=True)
    assert f'href="/my/inquiries/new?offering={world.offering.id}"' in page


def test_a_confidential_file_uploaded_by_the_firm_opens_with_the_rest(client, auth, db, world):
    auth.as_(world.firm)
    client.post(
        f"/attachments/demand/{world.demand.id}",
        data={"file": (io.BytesIO(PDF), "工艺参数.pdf")},
        content_type="multipart/form-data",
    )
    world.send(client, auth, nda=True)
    inquiry = inquiry_of(db)
    file_id = max(a.id for a in world.demand.attachments)
    auth.as_(world.operator)
    assert client.get(f"/attachments/{file_id}").status_code == 404
    client.post(f"/inquiries/{inquiry.id}/accept", data={"accept_nda": "y"})
    assert client.get(f"/attachments/{file_id}").status_code == 200
