"""Inquiry and proposal API: a firm asks a platform (what it discloses and when, 保密承诺), the
platform answers; a platform proposes or quotes, the firm accepts one (an order with its price
frozen, seen through the booking API) or declines it; refusals are 401 without a token, 403 for the
wrong kind of account, 404 for other people's objects, 409 for the state, 422 naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.services import create_api_token
from marketplace.bookings.models import Booking
from marketplace.core.models import utcnow
from marketplace.core.timeutil import local_today, to_local
from marketplace.demands.models import DemandContact
from marketplace.inquiries.models import Inquiry, Proposal
from tests import factories


def headers_for(db, user) -> dict:
    _, token = create_api_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


class World:
    """A firm with an open demand, a platform with a service offering and its operator, each with a token."""

    def __init__(self, db):
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
            organization=self.firm.organization, created_by_id=self.firm.id, title="500 L 发酵放大"
        )
        db.session.commit()
        self.firm_headers = headers_for(db, self.firm)
        self.operator_headers = headers_for(db, self.operator)


@pytest.fixture
def world(db):
    return World(db)


def ask(client, world, **extra):
    body = {"offering_ref": world.offering.ref, "subject": "放大工艺咨询", "body": "请问能否承接？", **extra}
    return client.post("/api/v1/inquiries", json=body, headers=world.firm_headers)


def act(client, kind, ref, headers, action, **extra):
    return client.post(f"/api/v1/{kind}/{ref}/transitions", json={"action": action, **extra}, headers=headers)


def disclosed(db, world) -> bool:
    query = select(func.count(DemandContact.id)).where(
        DemandContact.demand_id == world.demand.id, DemandContact.platform_id == world.platform.id
    )
    return db.session.scalar(query) > 0


def proposal_body(world, **extra) -> dict:
    return {
        "demand_ref": world.demand.ref,
        "title": "500 L 发酵放大方案",
        "scope": "完成三批 500 L 发酵放大。",
        "deliverables": "工艺报告、批记录",
        "price": 180000,
        "lead_time_days": 45,
        "valid_until": (local_today() + timedelta(days=30)).isoformat(),
        **extra,
    }


def propose(client, world, headers=None, **extra):
    headers = headers or world.operator_headers
    return client.post("/api/v1/proposals", json=proposal_body(world, **extra), headers=headers)


# ---------------------------------------------------------------- inquiries


def test_a_firm_asks_about_an_offering_and_the_platform_accepts(client, db, world, mail):
    sent = ask(client, world)
    assert sent.status_code == 201, sent.json
    inquiry = sent.json
    assert (inquiry["status"], inquiry["subject"], inquiry["offering_ref"]) == (
        "open",
        "放大工艺咨询",
        world.offering.ref,
    )
    assert inquiry["platform"] == {"id": world.platform.id, "name": "青岛发酵中试平台"}
    assert inquiry["organization"]["name"] == world.firm.organization.name
    assert inquiry["demand_ref"] is None and inquiry["requires_nda"] is False
    assert inquiry["created_at"].endswith("+08:00") and inquiry["responded_at"] is None
    assert inquiry["contacts"] is None and inquiry["allowed_actions"] == ["withdraw"]
    assert mail[-1]["to"] == world.operator.email  # the platform is told

    received = client.get("/api/v1/inquiries", headers=world.operator_headers).json
    assert [i["ref"] for i in received["items"]] == [inquiry["ref"]] and received["total"] == 1
    seen = received["items"][0]
    assert seen["allowed_actions"] == ["accept", "decline"] and seen["contacts"] is None
    assert world.firm.email not in str(seen)

    accepted = act(client, "inquiries", inquiry["ref"], world.operator_headers, "accept")
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted" and accepted.json["responded_at"]
    assert accepted.json["allowed_actions"] == ["close"]
    contacts = client.get(f"/api/v1/inquiries/{inquiry['ref']}", headers=world.firm_headers).json["contacts"]
    assert contacts["firm"] == {
        "name": "张经理",
        "organization": world.firm.organization.name,
        "email": world.firm.email,
        "phone": "0531-12345678",
    }
    assert (contacts["platform"]["name"], contacts["platform"]["phone"]) == ("李工程师", "13900001111")
    assert "青岛发酵中试平台" in contacts["platform"]["organization"]

    mine = client.get("/api/v1/inquiries?status=accepted", headers=world.firm_headers).json
    assert [i["ref"] for i in mine["items"]] == [inquiry["ref"]]
    assert client.get("/api/v1/inquiries?status=open", headers=world.firm_headers).json["total"] == 0
    closed = act(client, "inquiries", inquiry["ref"], world.firm_headers, "close")
    assert closed.status_code == 200 and closed.json["status"] == "closed"


def test_a_platform_can_be_asked_without_naming_an_offering(client, db, world):
    response = ask(client, world, offering_ref=None, platform_id=world.platform.id)
    assert response.status_code == 201, response.json
    assert response.json["offering_ref"] is None and response.json["platform"]["id"] == world.platform.id


def test_sending_with_a_demand_is_the_confirmation_and_opens_it_at_once(client, db, world):
    response = ask(client, world, demand_ref=world.demand.ref)
    assert response.status_code == 201, response.json
    assert response.json["demand_ref"] == world.demand.ref and disclosed(db, world)
    seen = client.get(f"/api/v1/inquiries/{response.json['ref']}", headers=world.operator_headers).json
    assert seen["demand_ref"] == world.demand.ref  # open to the platform: it may name the demand
    again = ask(client, world, demand_ref=world.demand.ref)  # one live inquiry per demand and platform
    assert again.status_code == 422 and "demand_ref" in again.json["errors"]["json"]


def test_with_the_undertaking_nothing_opens_until_the_platform_accepts_it(client, db, world, freeze_now):
    response = ask(client, world, demand_ref=world.demand.ref, requires_nda=True)
    assert response.status_code == 201 and response.json["requires_nda"] is True
    ref = response.json["ref"]
    assert not disclosed(db, world)
    seen = client.get(f"/api/v1/inquiries/{ref}", headers=world.operator_headers).json
    assert seen["demand_ref"] is None  # not even which demand, before the undertaking

    refused = act(client, "inquiries", ref, world.operator_headers, "accept")
    assert refused.status_code == 422 and "保密承诺" in refused.json["errors"]["json"]["accept_nda"][0]
    refused = act(client, "inquiries", ref, world.operator_headers, "accept", accept_nda=False)
    assert refused.status_code == 422 and not disclosed(db, world)
    assert db.session.scalar(select(Inquiry.status)) == "open"

    moment = freeze_now(utcnow().replace(microsecond=0))
    accepted = act(client, "inquiries", ref, world.operator_headers, "accept", accept_nda=True)
    assert accepted.status_code == 200, accepted.json
    body = accepted.json
    assert (body["nda_accepted_at"], body["nda_accepted_by"]) == (to_local(moment).isoformat(), "李工程师")
    assert body["demand_ref"] == world.demand.ref and disclosed(db, world)


def test_a_declined_inquiry_with_the_undertaking_never_discloses(client, db, world):
    ref = ask(client, world, demand_ref=world.demand.ref, requires_nda=True).json["ref"]
    refused = act(client, "inquiries", ref, world.operator_headers, "decline")
    assert refused.status_code == 422 and "reason" in refused.json["errors"]["json"]
    declined = act(client, "inquiries", ref, world.operator_headers, "decline", reason="本月排期已满")
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    assert declined.json["contacts"] is None and not disclosed(db, world)
    late = act(client, "inquiries", ref, world.operator_headers, "accept", accept_nda=True)
    assert late.status_code == 409 and "status" in late.json["errors"]["json"]


def test_each_side_only_takes_its_own_actions(client, db, world, admin_user):
    ref = ask(client, world).json["ref"]
    assert act(client, "inquiries", ref, world.firm_headers, "accept").status_code == 409
    assert act(client, "inquiries", ref, world.operator_headers, "withdraw").status_code == 409
    admin = headers_for(db, admin_user)
    assert client.get(f"/api/v1/inquiries/{ref}", headers=admin).json["allowed_actions"] == []
    assert client.get("/api/v1/inquiries", headers=admin).json["total"] == 1
    assert act(client, "inquiries", ref, admin, "decline", reason="管理员").status_code == 409
    withdrawn = act(client, "inquiries", ref, world.firm_headers, "withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    assert act(client, "inquiries", ref, world.firm_headers, "close").status_code == 409


@pytest.mark.parametrize(
    "change, field",
    [
        ({"offering_ref": None}, "offering_ref"),  # neither an offering nor a platform
        ({"offering_ref": "off-missing"}, "offering_ref"),
        ({"platform_id": 999999}, "platform_id"),
        ({"subject": "   "}, "subject"),
        ({"subject": "长" * 201}, "subject"),
        ({"body": None}, "body"),
        ({"demand_ref": "dem-missing"}, "demand_ref"),
        ({"requires_nda": "maybe"}, "requires_nda"),
        ({"status": "accepted"}, "status"),  # not the caller's to set
    ],
)
def test_bad_inquiries_are_422_naming_the_field(client, db, world, change, field):
    response = ask(client, world, **change)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert db.session.scalar(select(func.count(Inquiry.id))) == 0


def test_only_open_own_demands_and_public_offerings_can_be_named(client, db, world):
    foreign = factories.DemandFactory()
    closed = factories.DemandFactory(organization=world.firm.organization, status="fulfilled")
    paused = factories.OfferingFactory(platform=world.platform, status="paused")
    other_platform = factories.PlatformFactory()
    db.session.commit()
    for change, field in (
        ({"demand_ref": foreign.ref}, "demand_ref"),
        ({"demand_ref": closed.ref}, "demand_ref"),
        ({"offering_ref": paused.ref}, "offering_ref"),
        ({"platform_id": other_platform.id}, "platform_id"),  # not the offering's platform
    ):
        response = ask(client, world, **change)
        assert response.status_code == 422 and field in response.json["errors"]["json"], change
    assert db.session.scalar(select(func.count(DemandContact.id))) == 0


def test_only_firms_send_inquiries(client, db, world):
    body = {"offering_ref": world.offering.ref, "subject": "咨询", "body": "内容"}
    response = client.post("/api/v1/inquiries", json=body, headers=world.operator_headers)
    assert response.status_code == 403 and "企业" in response.json["message"]


def test_an_anonymous_demand_hides_the_firm_until_it_opens(client, db, world):
    world.demand.is_anonymous = True
    db.session.commit()
    ref = ask(client, world, demand_ref=world.demand.ref, requires_nda=True).json["ref"]
    seen = client.get(f"/api/v1/inquiries/{ref}", headers=world.operator_headers)
    assert seen.json["organization"]["name"] == "某企业（匿名）"
    assert world.firm.organization.name not in seen.get_data(as_text=True)
    accepted = act(client, "inquiries", ref, world.operator_headers, "accept", accept_nda=True)
    assert accepted.json["organization"]["name"] == world.firm.organization.name


# ---------------------------------------------------------------- proposals and quotes


def test_a_platform_proposes_and_the_firm_accepts_an_order_with_its_price_frozen(client, db, world, mail):
    created = propose(client, world)
    assert created.status_code == 201, created.json
    proposal = created.json
    assert (proposal["kind"], proposal["status"], proposal["price"], proposal["lead_time_days"]) == (
        "proposal",
        "submitted",
        180000.0,
        45,
    )
    assert proposal["demand_ref"] == world.demand.ref and proposal["inquiry_ref"] is None
    assert proposal["platform"]["id"] == world.platform.id  # the organisation's only platform
    assert proposal["valid_until"] == (local_today() + timedelta(days=30)).isoformat()
    assert proposal["order_ref"] is None and proposal["allowed_actions"] == ["withdraw"]
    assert mail[-1]["to"] == world.firm.email

    received = client.get(f"/api/v1/proposals?demand_ref={world.demand.ref}", headers=world.firm_headers).json
    assert [p["ref"] for p in received["items"]] == [proposal["ref"]]
    assert received["items"][0]["allowed_actions"] == ["accept", "decline"]
    assert client.get("/api/v1/proposals?demand_ref=dem-other", headers=world.firm_headers).json["total"] == 0
    assert client.get("/api/v1/proposals", headers=world.operator_headers).json["total"] == 1

    accepted = act(client, "proposals", proposal["ref"], world.firm_headers, "accept")
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted" and accepted.json["order_ref"]
    order_ref = accepted.json["order_ref"]
    order = client.get(f"/api/v1/bookings/{order_ref}", headers=world.firm_headers).json
    assert (order["kind"], order["status"], order["price"], order["price_unit"]) == (
        "order",
        "accepted",
        180000.0,
        "project",
    )
    assert "完成三批 500 L 发酵放大。" in order["terms"] and "45 天" in order["terms"]
    assert client.get(f"/api/v1/bookings/{order_ref}", headers=world.operator_headers).status_code == 200

    stored = db.session.scalar(select(Proposal))
    stored.price_amount, stored.scope = 1.0, "改过的范围"
    db.session.commit()
    order = client.get(f"/api/v1/bookings/{order_ref}", headers=world.firm_headers).json
    assert order["price"] == 180000.0 and "改过的范围" not in order["terms"]
    again = act(client, "proposals", proposal["ref"], world.firm_headers, "accept")
    assert again.status_code == 409 and db.session.scalar(select(func.count(Booking.id))) == 1
    shown = client.get(f"/api/v1/proposals/{proposal['ref']}", headers=world.operator_headers).json
    assert shown["order_ref"] == order_ref and shown["allowed_actions"] == []


def test_a_quote_answers_an_accepted_inquiry_and_may_be_negotiable(client, db, world):
    inquiry_ref = ask(client, world).json["ref"]
    body = {"inquiry_ref": inquiry_ref, "demand_ref": None, "price": None}
    early = client.post(
        "/api/v1/proposals", json=proposal_body(world, **body), headers=world.operator_headers
    )
    assert early.status_code == 409  # the inquiry is not accepted yet
    act(client, "inquiries", inquiry_ref, world.operator_headers, "accept")
    quote = client.post(
        "/api/v1/proposals", json=proposal_body(world, **body), headers=world.operator_headers
    )
    assert quote.status_code == 201, quote.json
    assert (quote.json["kind"], quote.json["inquiry_ref"], quote.json["price"]) == (
        "quote",
        inquiry_ref,
        None,
    )
    assert quote.json["offering_ref"] == world.offering.ref  # the inquiry's offering by default
    inquiry = client.get(f"/api/v1/inquiries/{inquiry_ref}", headers=world.firm_headers).json
    assert inquiry["quote_refs"] == [quote.json["ref"]]
    accepted = act(client, "proposals", quote.json["ref"], world.firm_headers, "accept")
    order = client.get(f"/api/v1/bookings/{accepted.json['order_ref']}", headers=world.firm_headers).json
    assert (order["price"], order["price_basis"]) == (None, "面议")


def test_an_organisation_with_several_platforms_names_the_one_proposing(client, db, world):
    second = factories.PlatformFactory(organization=world.operator.organization, name="第二平台")
    foreign = factories.PlatformFactory()
    db.session.commit()
    unnamed = propose(client, world)
    assert unnamed.status_code == 422 and "platform_id" in unnamed.json["errors"]["json"]
    assert propose(client, world, platform_id=foreign.id).status_code == 422
    named = propose(client, world, platform_id=second.id)
    assert named.status_code == 201 and named.json["platform"] == {"id": second.id, "name": "第二平台"}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"demand_ref": None}, "demand_ref"),  # neither a demand nor an inquiry
        ({"inquiry_ref": "inq-x"}, "demand_ref"),  # both
        ({"demand_ref": "dem-missing"}, "demand_ref"),
        ({"inquiry_ref": "inq-missing", "demand_ref": None}, "inquiry_ref"),
        ({"title": ""}, "title"),
        ({"scope": None}, "scope"),
        ({"price": -1}, "price"),
        ({"price": 1e308}, "price"),
        ({"lead_time_days": 99999}, "lead_time_days"),
        ({"valid_until": (local_today() - timedelta(days=1)).isoformat()}, "valid_until"),
        ({"valid_until": "下个月"}, "valid_until"),
        ({"offering_ref": "off-missing"}, "offering_ref"),
        ({"status": "accepted"}, "status"),
    ],
)
def test_bad_proposals_are_422_naming_the_field(client, db, world, change, field):
    response = propose(client, world, **change)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_refusals_of_proposals_by_state_and_kind_of_account(client, db, world):
    elsewhere = factories.OfferingFactory()
    closed = factories.DemandFactory(status="fulfilled")
    db.session.commit()
    foreign_offering = propose(client, world, offering_ref=elsewhere.ref)
    assert foreign_offering.status_code == 422 and "offering_ref" in foreign_offering.json["errors"]["json"]
    assert propose(client, world, demand_ref=closed.ref).status_code == 422
    by_firm = propose(client, world, headers=world.firm_headers)
    assert by_firm.status_code == 403 and "平台" in by_firm.json["message"]
    assert propose(client, world).status_code == 201
    assert propose(client, world).status_code == 409  # one waiting proposal per platform and demand


def test_declining_needs_a_reason_and_the_sides_keep_to_their_actions(client, db, world):
    ref = propose(client, world).json["ref"]
    assert act(client, "proposals", ref, world.operator_headers, "accept").status_code == 409
    assert act(client, "proposals", ref, world.firm_headers, "withdraw").status_code == 409
    refused = act(client, "proposals", ref, world.firm_headers, "decline")
    assert refused.status_code == 422 and "reason" in refused.json["errors"]["json"]
    declined = act(client, "proposals", ref, world.firm_headers, "decline", reason="周期太长")
    assert declined.status_code == 200
    assert (declined.json["status"], declined.json["decline_reason"]) == ("declined", "周期太长")
    seen = client.get(f"/api/v1/proposals/{ref}", headers=world.operator_headers).json
    assert seen["decline_reason"] == "周期太长"
    second = propose(client, world).json["ref"]
    withdrawn = act(client, "proposals", second, world.operator_headers, "withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"


def test_a_proposal_past_its_validity_cannot_be_accepted(client, db, world):
    proposal = factories.ProposalFactory(
        demand=world.demand, platform=world.platform, valid_until=local_today() - timedelta(days=1)
    )
    db.session.commit()
    refused = act(client, "proposals", proposal.ref, world.firm_headers, "accept")
    assert refused.status_code == 409 and "有效期" in refused.json["errors"]["json"]["status"][0]
    assert db.session.scalar(select(func.count(Booking.id))) == 0


# ---------------------------------------------------------------- tokens and other people's objects


ENDPOINTS = [
    ("get", "/api/v1/inquiries", None),
    ("post", "/api/v1/inquiries", {}),
    ("get", "/api/v1/inquiries/{inquiry}", None),
    ("post", "/api/v1/inquiries/{inquiry}/transitions", {"action": "withdraw"}),
    ("get", "/api/v1/proposals", None),
    ("post", "/api/v1/proposals", {}),
    ("get", "/api/v1/proposals/{proposal}", None),
    ("post", "/api/v1/proposals/{proposal}/transitions", {"action": "decline", "reason": "x"}),
]


@pytest.mark.parametrize("method, path, body", ENDPOINTS)
def test_every_inquiry_and_proposal_endpoint_needs_a_token(client, db, method, path, body):
    inquiry, proposal = factories.InquiryFactory(), factories.ProposalFactory()
    db.session.commit()
    url = path.format(inquiry=inquiry.ref, proposal=proposal.ref)
    response = getattr(client, method)(url, json=body)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("method, path, body", [e for e in ENDPOINTS if "{" in e[1]])
def test_other_peoples_inquiries_and_proposals_are_404(client, db, method, path, body):
    inquiry, proposal = factories.InquiryFactory(), factories.ProposalFactory()
    db.session.commit()
    url = path.format(inquiry=inquiry.ref, proposal=proposal.ref)
    strangers = [factories.UserFactory(role="firm"), factories.UserFactory(role="operator")]
    for stranger in strangers:
        headers = headers_for(db, stranger)
        response = getattr(client, method)(url, json=body, headers=headers)
        assert response.status_code == 404, (stranger.role, response.json)
        assert inquiry.organization.name not in response.get_data(as_text=True)
        assert client.get("/api/v1/inquiries", headers=headers).json["total"] == 0
        assert client.get("/api/v1/proposals", headers=headers).json["total"] == 0
    assert (inquiry.status, proposal.status) == ("open", "submitted")


def test_another_platform_cannot_quote_on_an_inquiry(client, db, world):
    inquiry = factories.InquiryFactory(status="accepted")
    db.session.commit()
    body = proposal_body(world, inquiry_ref=inquiry.ref, demand_ref=None)
    response = client.post("/api/v1/proposals", json=body, headers=world.operator_headers)
    assert response.status_code == 422 and "inquiry_ref" in response.json["errors"]["json"]
    assert inquiry.organization.name not in response.get_data(as_text=True)


def test_the_openapi_document_describes_inquiries_and_proposals(client, db):
    spec = client.get("/api/v1/openapi.json").json
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    assert {"201", "401", "403", "422"} <= set(paths["/api/v1/inquiries"]["post"]["responses"])
    assert {"201", "401", "403", "409", "422"} <= set(paths["/api/v1/proposals"]["post"]["responses"])
    for kind in ("inquiries", "proposals"):
        assert {"200", "401", "404", "409", "422"} <= set(
            paths[f"/api/v1/{kind}/{{ref}}/transitions"]["post"]["responses"]
        )
        assert {"200", "401", "404"} <= set(paths[f"/api/v1/{kind}/{{ref}}"]["get"]["responses"])
    assert "即视为确认" in schemas["InquiryCreate"]["properties"]["demand_ref"]["description"]
    assert set(schemas["InquiryTransitionIn"]["properties"]["action"]["enum"]) == {
        "accept",
        "decline",
        "withdraw",
        "close",
    }
    assert "accept_nda" in schemas["InquiryTransitionIn"]["properties"]
    assert set(schemas["ProposalTransitionIn"]["properties"]["action"]["enum"]) == {
        "accept",
        "decline",
        "withdraw",
    }
    assert "order_ref" in schemas["ProposalOut"]["properties"]
