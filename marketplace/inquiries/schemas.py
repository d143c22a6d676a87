"""API schemas of inquiries (咨询), proposals and quotes (方案与报价).

Times are returned in the marketplace's zone (+08:00) like the booking API's; a proposal's validity
is a local date (YYYY-MM-DD)."""

from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema

from ..api.schemas import ApiSchema, PageArgs
from ..bookings.schemas import LocalDateTime, OrganizationRef, PlatformRef
from .models import NUMBERS, InquiryStatus, ProposalStatus
from .services import BODY_MAX, REASON_MAX, SUBJECT_MAX, TEXT_MAX

#: Actions a client may ask for (the system's own, expire, is not one of them).
INQUIRY_ACTIONS = ("accept", "decline", "withdraw", "close")
PROPOSAL_ACTIONS = ("accept", "decline", "withdraw")
#: Validity dates beyond this are no offer anybody means (and far ones overflow conversions).
LATEST_DATE = date(2099, 12, 31)
REF = validate.Length(min=1, max=80)


# ---------------------------------------------------------------- inquiries


class InquiryCreate(ApiSchema):
    offering_ref = fields.String(
        allow_none=True,
        validate=REF,
        metadata={"description": "咨询的资源或服务；不指定资源时改填 platform_id"},
    )
    platform_id = fields.Integer(
        allow_none=True, metadata={"description": "咨询的平台（给出 offering_ref 时可省略）"}
    )
    subject = fields.String(required=True, validate=validate.Length(max=SUBJECT_MAX))
    body = fields.String(
        required=True,
        validate=validate.Length(max=BODY_MAX),
        metadata={"description": "咨询内容：公开信息即可，保密信息在所附需求的保密部分中"},
    )
    demand_ref = fields.String(
        allow_none=True,
        validate=REF,
        metadata={
            "description": "调用者本企业征集中的需求（选填）。网页上发送前有一步确认要开放的保密信息；"
            "在 API 中，带 demand_ref 发送本请求即视为确认：该需求的保密说明和附件立即向该平台开放，"
            "或在 requires_nda 为 true 时，待平台接受咨询并签署保密承诺后开放。"
        },
    )
    requires_nda = fields.Boolean(
        load_default=False,
        metadata={
            "description": "要求平台先签署保密承诺（保密承诺），签署后才开放需求的保密信息；仅在附需求时有效"
        },
    )

    @validates_schema
    def _addressed(self, data, **kwargs):
        if not data.get("offering_ref") and data.get("platform_id") is None:
            raise ValidationError("请给出 offering_ref 或 platform_id。", "offering_ref")


class InquiryFilterArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in InquiryStatus]))


class InquiryTransitionIn(ApiSchema):
    action = fields.String(required=True, validate=validate.OneOf(INQUIRY_ACTIONS))
    reason = fields.String(
        allow_none=True,
        validate=validate.Length(max=REASON_MAX),
        metadata={"description": "婉拒（decline）时必填，对方可见"},
    )
    accept_nda = fields.Boolean(
        load_default=False,
        metadata={"description": "接受（accept）企业要求保密承诺的咨询时须为 true：记录签署时间和签署人"},
    )


class PersonOut(ApiSchema):
    name = fields.String()
    organization = fields.String()
    email = fields.String()
    phone = fields.String()


class ContactsOut(ApiSchema):
    firm = fields.Nested(PersonOut, allow_none=True)
    platform = fields.Nested(PersonOut, allow_none=True)


class InquiryOut(ApiSchema):
    """An inquiry as its firm, its platform and administrators see it."""

    ref = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in InquiryStatus]})
    status_label = fields.String()
    subject = fields.String()
    body = fields.String()
    platform = fields.Nested(PlatformRef)
    organization = fields.Nested(
        OrganizationRef, metadata={"description": "咨询的企业；匿名需求未开放前为“某企业（匿名）”"}
    )
    offering_ref = fields.String(allow_none=True)
    demand_ref = fields.String(
        allow_none=True, metadata={"description": "所附需求：企业可见；平台在保密信息开放后可见，此前为 null"}
    )
    requires_nda = fields.Boolean()
    nda_accepted_at = LocalDateTime(allow_none=True)
    nda_accepted_by = fields.String(allow_none=True, metadata={"description": "签署保密承诺的平台人员"})
    created_at = LocalDateTime()
    responded_at = LocalDateTime(allow_none=True)
    contacts = fields.Nested(
        ContactsOut,
        allow_none=True,
        metadata={"description": "双方联系人；平台接受咨询后才给出，此前为 null"},
    )
    quote_refs = fields.List(fields.String(), metadata={"description": "平台就该咨询提交的报价"})
    allowed_actions = fields.List(
        fields.String(), metadata={"description": "调用者当前可执行的操作（transitions 的 action）"}
    )


def inquiry_data(inquiry, *, firm_name: str, demand_ref, contacts, quote_refs, actions) -> dict:
    """The fields of InquiryOut for one inquiry, with what the caller may see decided by the caller."""
    return {
        "ref": inquiry.ref,
        "status": inquiry.status,
        "status_label": inquiry.status_label,
        "subject": inquiry.subject,
        "body": inquiry.body,
        "platform": {"id": inquiry.platform.id, "name": inquiry.platform.name},
        "organization": {"name": firm_name},
        "offering_ref": inquiry.offering.ref if inquiry.offering is not None else None,
        "demand_ref": demand_ref,
        "requires_nda": inquiry.requires_nda,
        "nda_accepted_at": inquiry.nda_accepted_at,
        "nda_accepted_by": inquiry.nda_accepted_by.name if inquiry.nda_accepted_by is not None else None,
        "created_at": inquiry.created_at,
        "responded_at": inquiry.responded_at,
        "contacts": None
        if contacts is None
        else {side: None if p is None else _person(p) for side, p in contacts.items()},
        "quote_refs": quote_refs,
        "allowed_actions": actions,
    }


def _person(person) -> dict:
    return {
        "name": person.name,
        "organization": person.organisation,
        "email": person.email,
        "phone": person.phone,
    }


# ---------------------------------------------------------------- proposals and quotes


class ProposalCreate(ApiSchema):
    demand_ref = fields.String(
        allow_none=True,
        validate=REF,
        metadata={"description": "平台主动应答的征集中需求（方案）；与 inquiry_ref 二选一"},
    )
    inquiry_ref = fields.String(
        allow_none=True,
        validate=REF,
        metadata={"description": "平台已接受的咨询（报价）；与 demand_ref 二选一"},
    )
    platform_id = fields.Integer(
        metadata={
            "description": "提交方案的平台：单位运营多个平台时必填，只有一个时默认该平台；报价时为咨询的平台"
        }
    )
    title = fields.String(required=True, validate=validate.Length(max=SUBJECT_MAX))
    scope = fields.String(required=True, validate=validate.Length(max=TEXT_MAX))
    deliverables = fields.String(required=True, validate=validate.Length(max=TEXT_MAX))
    price = fields.Float(
        allow_none=True,
        load_default=None,
        validate=NUMBERS["price_amount"].marshmallow(),
        metadata={"description": "整个项目的报价（元）；null 或省略为面议"},
    )
    lead_time_days = fields.Integer(
        allow_none=True, load_default=None, validate=NUMBERS["lead_time_days"].marshmallow()
    )
    valid_until = fields.Date(
        required=True,
        validate=validate.Range(max=LATEST_DATE, error="有效期应早于 2100 年。"),
        metadata={"description": "报价有效期（本地日期，不早于今天）；过期未答复自动失效"},
    )
    offering_ref = fields.String(
        allow_none=True, validate=REF, metadata={"description": "方案所依托的本平台资源（选填）"}
    )

    @validates_schema
    def _one_subject(self, data, **kwargs):
        if bool(data.get("demand_ref")) == bool(data.get("inquiry_ref")):
            raise ValidationError("请给出 demand_ref（方案）或 inquiry_ref（报价）之一。", "demand_ref")


class ProposalFilterArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in ProposalStatus]))
    demand_ref = fields.String(validate=REF)


class ProposalTransitionIn(ApiSchema):
    action = fields.String(required=True, validate=validate.OneOf(PROPOSAL_ACTIONS))
    reason = fields.String(
        allow_none=True,
        validate=validate.Length(max=REASON_MAX),
        metadata={"description": "不采纳（decline）时必填，平台可见"},
    )


class ProposalOut(ApiSchema):
    """A proposal or quote as its firm, its platform and administrators see it."""

    ref = fields.String()
    kind = fields.String(
        metadata={
            "enum": ["proposal", "quote"],
            "description": "proposal：应答需求的方案；quote：应答咨询的报价",
        }
    )
    status = fields.String(metadata={"enum": [s.value for s in ProposalStatus]})
    status_label = fields.String()
    platform = fields.Nested(PlatformRef)
    demand_ref = fields.String(allow_none=True)
    inquiry_ref = fields.String(allow_none=True)
    offering_ref = fields.String(allow_none=True)
    title = fields.String()
    scope = fields.String()
    deliverables = fields.String()
    price = fields.Float(allow_none=True, metadata={"description": "元，整个项目；面议为 null"})
    lead_time_days = fields.Integer(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    order_ref = fields.String(
        allow_none=True,
        metadata={"description": "接受后生成的订单（GET /api/v1/bookings/{ref}），价格与条款已锁定"},
    )
    allowed_actions = fields.List(
        fields.String(), metadata={"description": "调用者当前可执行的操作（transitions 的 action）"}
    )
    created_at = LocalDateTime()


def proposal_data(proposal, *, order_ref, actions) -> dict:
    """The fields of ProposalOut for one proposal or quote."""
    return {
        "ref": proposal.ref,
        "kind": "quote" if proposal.is_quote else "proposal",
        "status": proposal.status,
        "status_label": proposal.status_label,
        "platform": {"id": proposal.platform.id, "name": proposal.platform.name},
        "demand_ref": proposal.demand.ref if proposal.demand is not None else None,
        "inquiry_ref": proposal.inquiry.ref if proposal.inquiry is not None else None,
        "offering_ref": proposal.offering.ref if proposal.offering is not None else None,
        "title": proposal.title,
        "scope": proposal.scope,
        "deliverables": proposal.deliverables,
        "price": proposal.price_amount,
        "lead_time_days": proposal.lead_time_days,
        "valid_until": proposal.valid_until,
        "decline_reason": proposal.decline_reason,
        "order_ref": order_ref,
        "allowed_actions": actions,
        "created_at": proposal.created_at,
    }
