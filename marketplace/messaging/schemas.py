"""API schemas of message threads: a message, a new message, the unread count."""

from __future__ import annotations

from marshmallow import fields, validate

from ..api.schemas import ApiSchema
from ..core.timeutil import to_local
from .services import BODY_MAX


class LocalTime(fields.AwareDateTime):
    """A moment returned in the marketplace's zone (+08:00), as the other endpoints return times."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_local(value).isoformat()


class MessageIn(ApiSchema):
    body = fields.String(required=True, validate=validate.Length(max=BODY_MAX))


class AuthorOut(ApiSchema):
    name = fields.String()
    organization = fields.String(allow_none=True)


class MessageOut(ApiSchema):
    id = fields.Integer()
    author = fields.Nested(AuthorOut, allow_none=True, metadata={"description": "已注销的用户为 null"})
    body = fields.String()
    created_at = LocalTime(metadata={"description": "ISO 8601，市场所在时区（+08:00）"})


class UnreadOut(ApiSchema):
    count = fields.Integer(metadata={"description": "调用者参与的会话中他人发来、尚未读过的消息数"})


def message_data(message) -> dict:
    author = message.author
    return {
        "id": message.id,
        "author": None
        if author is None
        else {
            "name": author.name,
            "organization": author.organization.name if author.organization is not None else None,
        },
        "body": message.body,
        "created_at": message.created_at,
    }
