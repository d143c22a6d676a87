"""Schemas every API endpoint shares: page arguments and the page envelope."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from ..core.numbers import PAGE, PER_PAGE


class PageArgs(Schema):
    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=PAGE.marshmallow())
    per_page = fields.Integer(load_default=20, validate=PER_PAGE.marshmallow())


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=name,
    )
