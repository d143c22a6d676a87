"""Schemas every API endpoint shares: the base schema (Chinese messages, the shared input rules),
page arguments and the page envelope.

Every API schema derives from `ApiSchema`. When a schema is instantiated, each of its fields (and the
fields inside lists and dicts) gets, without anything written per field:
- marshmallow's and its validators' English messages replaced by Chinese ones (a message a schema
  wrote itself is kept);
- the shared input rules of `core.inputs`: no NUL in any string, every integer within the database's
  integer range (documented in the OpenAPI document as minimum/maximum).
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..core.inputs import DB_INT_MAX, DB_INT_MIN, NUL_MESSAGE, has_nul
from ..core.numbers import PAGE, PER_PAGE

#: Chinese messages of marshmallow's fields, by field class and message key (the class's own
#: messages override its bases', as in marshmallow).
FIELD_MESSAGES: dict[type, dict[str, str]] = {
    fields.Field: {
        "required": "缺少必填字段。",
        "null": "不能为 null。",
        "validator_failed": "值无效。",
    },
    fields.String: {"invalid": "应为字符串。", "invalid_utf8": "应为有效的 UTF-8 字符串。"},
    fields.Number: {"invalid": "应为数字。", "too_large": "数值过大。"},
    fields.Integer: {"invalid": "应为整数。"},
    fields.Float: {"special": "不能是 NaN 或无穷大。"},
    fields.Decimal: {"special": "不能是 NaN 或无穷大。"},
    fields.Boolean: {"invalid": "应为布尔值（true 或 false）。"},
    fields.List: {"invalid": "应为数组。"},
    fields.Tuple: {"invalid": "应为数组。"},
    fields.Nested: {"type": "应为对象。"},
    fields.Mapping: {"invalid": "应为对象。"},
    fields.Date: {"invalid": "应为日期（YYYY-MM-DD）。", "format": "无法格式化为日期。"},
    fields.DateTime: {"invalid": "应为 ISO 8601 日期时间。", "invalid_awareness": "应为带时区的日期时间。"},
    fields.Email: {"invalid": "请输入有效的邮箱地址。"},
    fields.Url: {"invalid": "请输入有效的网址。"},
    fields.Enum: {"unknown": "应为以下之一：{choices}。"},
}


class Range(validate.Range):
    message_min = "应{min_op} {{min}}。"
    message_max = "应{max_op} {{max}}。"
    message_all = "应{min_op} {{min}}，且{max_op} {{max}}。"
    message_gte = "大于或等于"
    message_gt = "大于"
    message_lte = "小于或等于"
    message_lt = "小于"


class Length(validate.Length):
    message_min = "长度至少为 {min}。"
    message_max = "长度不能超过 {max}。"
    message_all = "长度应在 {min} 到 {max} 之间。"
    message_equal = "长度应为 {equal}。"


class OneOf(validate.OneOf):
    default_message = "应为以下之一：{choices}。"


def _chinese_validator(validator):
    """The Chinese twin of one of marshmallow's validators that kept its English default message."""
    if getattr(validator, "error", None) not in (None, getattr(type(validator), "default_message", None)):
        return validator  # a message of our own
    if type(validator) is validate.Range:
        return Range(
            min=validator.min,
            max=validator.max,
            min_inclusive=validator.min_inclusive,
            max_inclusive=validator.max_inclusive,
        )
    if type(validator) is validate.Length:
        return Length(min=validator.min, max=validator.max, equal=validator.equal)
    if type(validator) is validate.OneOf:
        return OneOf(validator.choices, labels=validator.labels)
    return validator


def no_nul(value) -> None:
    if has_nul(value):
        raise ValidationError(NUL_MESSAGE)


def _english_defaults(field: fields.Field) -> dict[str, str]:
    messages: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def apply_input_rules(field: fields.Field) -> None:
    """Chinese messages and the shared input rules for one bound field and the fields inside it."""
    english = _english_defaults(field)
    chinese: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        chinese.update(FIELD_MESSAGES.get(cls, {}))
    field.error_messages = {
        key: chinese[key] if key in chinese and message == english.get(key) else message
        for key, message in field.error_messages.items()
    }
    validators = [_chinese_validator(v) for v in field.validators]
    if isinstance(field, fields.String):
        validators.append(no_nul)
    if isinstance(field, fields.Integer):
        ranges = [v for v in validators if isinstance(v, validate.Range)]
        has_min = any(r.min is not None for r in ranges)
        has_max = any(r.max is not None for r in ranges)
        if not (has_min and has_max):
            validators.append(Range(min=None if has_min else DB_INT_MIN, max=None if has_max else DB_INT_MAX))
    field.validators = validators
    for inner in (
        getattr(field, "inner", None),  # List
        getattr(field, "key_field", None),  # Dict
        getattr(field, "value_field", None),
        *getattr(field, "tuple_fields", ()),
    ):
        if isinstance(inner, fields.Field):
            apply_input_rules(inner)


class ApiSchema(Schema):
    """The base of every API schema: unknown fields refused, messages in Chinese, input rules applied."""

    class Meta:
        unknown = RAISE

    error_messages = {"type": "数据类型无效：应为对象。", "unknown": "未知字段。"}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        apply_input_rules(field_obj)


class PageArgs(ApiSchema):
    page = fields.Integer(load_default=1, validate=PAGE.marshmallow())
    per_page = fields.Integer(load_default=20, validate=PER_PAGE.marshmallow())


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    return ApiSchema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=name,
    )
