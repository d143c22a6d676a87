"""API schemas of offerings."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from .. import vocab
from ..api.schemas import ApiSchema, PageArgs
from .models import NUMBERS, PRICE


class OfferingFilterArgs(PageArgs):
    domain = fields.String(validate=validate.OneOf(vocab.DOMAINS))
    city = fields.String(validate=validate.OneOf(vocab.ALL_CITIES))
    kind = fields.String(validate=validate.OneOf(list(vocab.OFFERING_KINDS)))
    level = fields.String(validate=validate.OneOf(vocab.PLATFORM_LEVELS))
    certification = fields.String(validate=validate.Length(max=40))
    price_min = fields.Float(validate=PRICE.marshmallow())
    price_max = fields.Float(validate=PRICE.marshmallow())
    platform_id = fields.Integer()
    sort = fields.String(
        load_default="newest", validate=validate.OneOf(["newest", "price_asc", "price_desc", "title"])
    )


class PriceSchema(ApiSchema):
    amount = fields.Float(validate=PRICE.marshmallow(), allow_none=True)
    unit = fields.String(validate=validate.OneOf(list(vocab.PRICE_UNITS)), allow_none=True)
    negotiable = fields.Boolean(load_default=False)

    @validates_schema
    def _complete(self, data, **kwargs):
        if not data.get("negotiable") and (data.get("amount") is None or not data.get("unit")):
            raise ValidationError("应为 {amount, unit} 或 {negotiable: true}。", "amount")


#: "HH:MM" of an opening rule; an end may be "24:00" (midnight at the end of the day).
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
HHMM_OR_24 = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"


class OpeningRule(ApiSchema):
    """One weekly opening interval, local time: {"weekday": 0-6 (Monday 0), "start", "end"}."""

    weekday = fields.Integer(required=True, validate=validate.Range(min=0, max=6))
    start = fields.String(required=True, validate=validate.Regexp(HHMM, error="时间格式应为 HH:MM。"))
    end = fields.String(
        required=True, validate=validate.Regexp(HHMM_OR_24, error="时间格式应为 HH:MM（可为 24:00）。")
    )

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("结束时间应晚于开始时间。", "end")


class OfferingOut(ApiSchema):
    id = fields.Integer()
    ref = fields.String()
    platform_id = fields.Integer()
    platform_name = fields.Function(lambda o: o.platform.name)
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    domains = fields.List(fields.String())
    specs = fields.Dict(keys=fields.String(), values=fields.String())
    price = fields.Function(
        lambda o: (
            {"negotiable": True}
            if o.price_amount is None
            else {"amount": o.price_amount, "unit": o.price_unit}
        )
    )
    lead_time_days = fields.Integer(allow_none=True)
    bookable = fields.Boolean(attribute="is_bookable")
    booking_capacity = fields.Integer()
    auto_confirm = fields.Boolean()
    min_notice_hours = fields.Integer()
    max_advance_days = fields.Integer()
    min_hours = fields.Float(allow_none=True)
    max_hours = fields.Float(allow_none=True)
    opening_hours = fields.List(fields.Nested(OpeningRule))
    status = fields.String()
    city = fields.Function(lambda o: o.platform.city)
    model = fields.String(allow_none=True)
    capacity = fields.String(allow_none=True)
    quantity = fields.Integer(allow_none=True)
    area_m2 = fields.Float(allow_none=True)
    cleanroom_class = fields.String(allow_none=True)
    is_explosion_proof = fields.Boolean(allow_none=True)
    allows_hazardous_chemicals = fields.Boolean(allow_none=True)
    service_type = fields.String(allow_none=True)
    scale = fields.String(allow_none=True)
    output = fields.String(allow_none=True)


class OfferingUpdate(ApiSchema):
    """Fields an operator may set. Anything else (status, platform_id, id …) is refused by name."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=10000))
    domains = fields.List(
        fields.String(validate=validate.OneOf(vocab.DOMAINS)), validate=validate.Length(min=1)
    )
    specs = fields.Dict(
        keys=fields.String(validate=validate.Length(max=50)),
        values=fields.String(validate=validate.Length(max=200)),
    )
    price = fields.Nested(PriceSchema)
    lead_time_days = fields.Integer(allow_none=True, validate=NUMBERS["lead_time_days"].marshmallow())
    bookable = fields.Boolean()
    booking_capacity = fields.Integer(validate=NUMBERS["booking_capacity"].marshmallow())
    auto_confirm = fields.Boolean()
    min_notice_hours = fields.Integer(validate=NUMBERS["min_notice_hours"].marshmallow())
    max_advance_days = fields.Integer(validate=NUMBERS["max_advance_days"].marshmallow())
    min_hours = fields.Float(allow_none=True, validate=NUMBERS["min_hours"].marshmallow())
    max_hours = fields.Float(allow_none=True, validate=NUMBERS["max_hours"].marshmallow())
    opening_hours = fields.List(
        fields.Nested(OpeningRule),
        validate=validate.Length(max=70),
        metadata={"description": "每周开放时间（本地时间），星期一为 0；结束可为 24:00。"},
    )
    model = fields.String(allow_none=True, validate=validate.Length(max=100))
    capacity = fields.String(allow_none=True, validate=validate.Length(max=100))
    quantity = fields.Integer(allow_none=True, validate=NUMBERS["quantity"].marshmallow())
    area_m2 = fields.Float(allow_none=True, validate=NUMBERS["area_m2"].marshmallow())
    cleanroom_class = fields.String(allow_none=True, validate=validate.Length(max=30))
    is_explosion_proof = fields.Boolean(allow_none=True)
    allows_hazardous_chemicals = fields.Boolean(allow_none=True)
    service_type = fields.String(allow_none=True, validate=validate.OneOf(vocab.SERVICE_TYPES))
    scale = fields.String(allow_none=True, validate=validate.Length(max=100))
    output = fields.String(allow_none=True, validate=validate.Length(max=100))


class OfferingCreate(OfferingUpdate):
    platform_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(vocab.OFFERING_KINDS)))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    domains = fields.List(
        fields.String(validate=validate.OneOf(vocab.DOMAINS)), required=True, validate=validate.Length(min=1)
    )


def offering_data(payload: dict) -> dict:
    """API payload → service fields."""
    data = {k: v for k, v in payload.items() if k not in ("price", "bookable", "platform_id")}
    if "bookable" in payload:
        data["is_bookable"] = payload["bookable"]
    if "price" in payload:
        price = payload["price"]
        negotiable = price.get("negotiable")
        data["price_amount"] = None if negotiable else price.get("amount")
        data["price_unit"] = None if negotiable else price.get("unit")
    return data
