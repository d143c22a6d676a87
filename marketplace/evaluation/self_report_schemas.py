"""API schemas of the self-report: values by indicator code, both ways."""

from __future__ import annotations

from marshmallow import fields, validate

from ..api.schemas import ApiSchema
from ..core.numbers import Bounds
from ..core.timeutil import to_local
from . import self_report as services

#: The schema's own bound (each indicator's narrower one, whole numbers for counts, is the service's).
VALUE = Bounds("数值", 0, services.VALUE_MAX)


class LocalTime(fields.DateTime):
    """Returned in the marketplace's zone (TIMEZONE, +08:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_local(value).isoformat()


class JsonNumber(fields.Float):
    """A JSON number only: "3" or true are not figures (marshmallow's Float would take them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str | bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class EntryIn(ApiSchema):
    value = JsonNumber(
        allow_none=True,
        validate=VALUE.marshmallow(),
        metadata={"description": "平台填报的数值（0 也是数值；null 清空）；计数单位（件、项、人……）须为整数"},
    )
    explanation = fields.String(
        validate=validate.Length(max=services.EXPLANATION_MAX),
        metadata={"description": "数据说明：口径、来源、对应的佐证材料"},
    )


class SelfReportIn(ApiSchema):
    values = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.Nested(EntryIn),
        required=True,
        metadata={"description": "按指标代码（如 patents）给出的数值和说明；未给出的指标不变"},
    )


class EntryOut(ApiSchema):
    name = fields.String()
    unit = fields.String()
    description = fields.String(metadata={"description": "该指标的口径和需要的佐证材料"})
    value = fields.Float(allow_none=True)
    explanation = fields.String()


class EvidenceOut(ApiSchema):
    id = fields.Integer()
    filename = fields.String()
    url = fields.String(metadata={"description": "下载地址（需登录网站，权限同自评）"})


class SelfReportOut(ApiSchema):
    year = fields.Integer()
    campaign_title = fields.String()
    campaign_phase = fields.String()
    platform_ref = fields.String()
    platform_name = fields.String()
    status = fields.String(
        metadata={"description": "draft（未提交）、submitted（已提交）、returned（已退回修改）"}
    )
    status_label = fields.String()
    deadline = fields.Date(allow_none=True, metadata={"description": "最后可提交的日期（北京时间，含当天）"})
    extended_until = fields.Date(allow_none=True, metadata={"description": "管理员批准的延期日期"})
    submitted_at = LocalTime(allow_none=True)
    return_comment = fields.String(metadata={"description": "管理员退回时的意见"})
    editable = fields.Boolean(metadata={"description": "调用者现在能否修改和提交"})
    values = fields.Dict(keys=fields.String(), values=fields.Nested(EntryOut))
    evidence = fields.List(fields.Nested(EvidenceOut))
