"""API schemas of demands and their matches."""

from __future__ import annotations

from marshmallow import fields, validate

from ..api.schemas import ApiSchema


class DemandOut(ApiSchema):
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
    organization = fields.Function(lambda d: d.public_name)  #: “某企业（匿名）” for an anonymous demand
    anonymous = fields.Boolean(attribute="is_anonymous")


class MatchArgs(ApiSchema):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class AlikeOut(ApiSchema):
    offering_ref = fields.String()
    offering_id = fields.Integer()
    title = fields.String()
    platform = fields.String()
    score = fields.Float()


class MatchOut(ApiSchema):
    offering_ref = fields.String()
    offering_id = fields.Integer()
    title = fields.String()
    score = fields.Float()
    reasons = fields.List(fields.String())
    #: near-identical offerings of other platforms, grouped under this match
    alike = fields.List(fields.Nested(AlikeOut))
