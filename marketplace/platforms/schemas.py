"""API schemas of platforms: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from marshmallow import fields, validate

from .. import vocab
from ..api.schemas import ApiSchema, PageArgs


class PlatformFilterArgs(PageArgs):
    domain = fields.String(validate=validate.OneOf(vocab.DOMAINS))
    city = fields.String(validate=validate.OneOf(vocab.ALL_CITIES))
    level = fields.String(validate=validate.OneOf(vocab.PLATFORM_LEVELS))
    certification = fields.String(validate=validate.Length(max=40))
    sort = fields.String(load_default="newest", validate=validate.OneOf(["newest", "name", "level"]))


class PlatformOut(ApiSchema):
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
        return {
            "name": platform.contact_name,
            "phone": platform.contact_phone,
            "email": platform.contact_email,
        }
