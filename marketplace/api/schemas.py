"""Marshmallow schemas: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .. import vocab


class PageArgs(Schema):
    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PlatformFilterArgs(PageArgs):
    domain = fields.String(validate=validate.OneOf(vocab.DOMAINS))
    city = fields.String(validate=validate.OneOf(vocab.ALL_CITIES))
    level = fields.String(validate=validate.OneOf(vocab.PLATFORM_LEVELS))
    certification = fields.String(validate=validate.Length(max=40))
    sort = fields.String(load_default="newest", validate=validate.OneOf(["newest", "name", "level"]))


class OfferingFilterArgs(PageArgs):
    domain = fields.String(validate=validate.OneOf(vocab.DOMAINS))
    city = fields.String(validate=validate.OneOf(vocab.ALL_CITIES))
    kind = fields.String(validate=validate.OneOf(list(vocab.OFFERING_KINDS)))
    level = fields.String(validate=validate.OneOf(vocab.PLATFORM_LEVELS))
    certification = fields.String(validate=validate.Length(max=40))
    price_min = fields.Float(validate=validate.Range(min=0))
    price_max = fields.Float(validate=validate.Range(min=0))
    platform_id = fields.Integer()
    sort = fields.String(load_default="newest", validate=validate.OneOf(["newest", "price_asc", "price_desc", "title"]))


class ContactSchema(Schema):
    name = fields.String()
    phone = fields.String()
    email = fields.String()


class PlatformOut(Schema):
    id = fields.Integer()
    ref = fields.String()
    name = fields.String()
    level = fields.String()
    city = fields.String()
    domains = fields.List(fields.String())
    description = fields.String()
    capabilities = fields.String()
    certifications = fields.List(fields.String())
    address = fields.String()
    sharing_rules = fields.String()
    fee_standard = fields.String()
    contact = fields.Method("get_contact", metadata={"type": "object"})

    def get_contact(self, platform):
        return {"name": platform.contact_name, "phone": platform.contact_phone, "email": platform.contact_email}


class PriceSchema(Schema):
    class Meta:
        unknown = RAISE

    amount = fields.Float(validate=validate.Range(min=0), allow_none=True)
    unit = fields.String(validate=validate.OneOf(list(vocab.PRICE_UNITS)), allow_none=True)
    negotiable = fields.Boolean(load_default=False)

    @validates_schema
    def _complete(self, data, **kwargs):
        if not data.get("negotiable") and (data.get("amount") is None or not data.get("unit")):
            raise ValidationError("应为 {amount, unit} 或 {negotiable: true}。", "amount")


class OfferingOut(Schema):
    id = fields.Integer()
    ref = fields.String()
    platform_id = fields.Integer()
    platform_name = fields.Function(lambda o: o.platform.name)
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    domains = fields.List(fields.String())
    specs = fields.Dict(keys=fields.String(), values=fields.String())
    price = fields.Function(lambda o: {"negotiable": True} if o.price_amount is None
                            else {"amount": o.price_amount, "unit": o.price_unit})
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


class OfferingUpdate(Schema):
    """Fields an operator may set. Anything else (status, platform_id, id …) is refused by name."""

    class Meta:
        unknown = RAISE

    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=10000))
    domains = fields.List(fields.String(validate=validate.OneOf(vocab.DOMAINS)), validate=validate.Length(min=1))
    specs = fields.Dict(keys=fields.String(validate=validate.Length(max=50)), values=fields.String(validate=validate.Length(max=200)))
    price = fields.Nested(PriceSchema)
    lead_time_days = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=3650))
    bookable = fields.Boolean()
    model = fields.String(allow_none=True, validate=validate.Length(max=100))
    capacity = fields.String(allow_none=True, validate=validate.Length(max=100))
    quantity = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    area_m2 = fields.Float(allow_none=True, validate=validate.Range(min=0.1))
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
    domains = fields.List(fields.String(validate=validate.OneOf(vocab.DOMAINS)), required=True, validate=validate.Length(min=1))


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


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema)), "total": fields.Integer(),
        "page": fields.Integer(), "per_page": fields.Integer(),
    }, name=name)


class DemandOut(Schema):
    id = fields.Integer()
    ref = fields.String()
    title = fields.String()
    description = fields.String()
    domains = fields.List(fields.String())
    kinds = fields.List(fields.String())
    trl = fields.Integer(allow_none=True)
    budget_max = fields.Float(allow_none=True)
    window_start = fields.Date(allow_none=True)
    window_end = fields.Date(allow_none=True)
    deadline = fields.Date(allow_none=True)
    city_preference = fields.List(fields.String())
    status = fields.String()
    organization = fields.Function(lambda d: d.organization.name)


class MatchArgs(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class MatchOut(Schema):
    offering_ref = fields.String()
    offering_id = fields.Integer()
    title = fields.String()
    score = fields.Float()
    reasons = fields.List(fields.String())


class SearchArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=5000))
    scope = fields.String(load_default="offering", validate=validate.OneOf(["offering", "platform", "demand"]))
    domain = fields.String(validate=validate.OneOf(vocab.DOMAINS))
    city = fields.String(validate=validate.OneOf(vocab.ALL_CITIES))
    kind = fields.String(validate=validate.OneOf(list(vocab.OFFERING_KINDS)))
    level = fields.String(validate=validate.OneOf(vocab.PLATFORM_LEVELS))
    sort = fields.String(load_default="relevance", validate=validate.OneOf(["relevance", "price_asc", "price_desc", "newest"]))


class SearchHitOut(Schema):
    type = fields.String(attribute="doc_type")
    id = fields.Integer(attribute="obj_id")
    ref = fields.Function(lambda h: h.fields.get("ref", ""))
    title = fields.String()
    score = fields.Float()
    snippet = fields.Function(lambda h: "".join(text for text, _ in h.snippet))
    city = fields.Function(lambda h: h.fields.get("city", ""))
    domains = fields.Function(lambda h: [d for d in h.fields.get("domain", "").split(",") if d])


class SearchOut(Schema):
    items = fields.List(fields.Nested(SearchHitOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.List(fields.Raw())))
