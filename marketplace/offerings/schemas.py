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
