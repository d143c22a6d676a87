"""API schemas of search."""

from __future__ import annotations

from marshmallow import fields, validate

from .. import vocab
from ..api.schemas import ApiSchema, PageArgs

#: Longest query (characters) in a POST body; a GET's must fit gunicorn's request line (4094 bytes)
#: with every other argument at its longest, each character percent-encoded (up to 12 bytes).
QUERY_MAX = 5000
GET_QUERY_MAX = 200


class SearchArgs(PageArgs):
    """The arguments of a search in the query string (GET)."""

    q = fields.String(load_default="", validate=validate.Length(max=GET_QUERY_MAX))
    scope = fields.String(
        load_default="offering", validate=validate.OneOf(["offering", "platform", "demand"])
    )
    domain = fields.String(validate=validate.OneOf(vocab.DOMAINS))
    city = fields.String(validate=validate.OneOf(vocab.ALL_CITIES))
    kind = fields.String(validate=validate.OneOf(list(vocab.OFFERING_KINDS)))
    level = fields.String(validate=validate.OneOf(vocab.PLATFORM_LEVELS))
    sort = fields.String(
        load_default="relevance", validate=validate.OneOf(["relevance", "price_asc", "price_desc", "newest"])
    )


class SearchHitOut(ApiSchema):
    type = fields.String(attribute="doc_type")
    id = fields.Integer(attribute="obj_id")
    ref = fields.Function(lambda h: h.fields.get("ref", ""))
    title = fields.String()
    score = fields.Float()
    snippet = fields.Function(lambda h: "".join(text for text, _ in h.snippet))
    city = fields.Function(lambda h: h.fields.get("city", ""))
    domains = fields.Function(lambda h: [d for d in h.fields.get("domain", "").split(",") if d])


class SearchOut(ApiSchema):
    items = fields.List(fields.Nested(SearchHitOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.List(fields.Raw())))


class SearchBody(SearchArgs):
    """The same arguments in a JSON body (POST), for queries up to QUERY_MAX characters."""

    q = fields.String(load_default="", validate=validate.Length(max=QUERY_MAX))
