"""API schemas of the experts' evaluation assignments and their scores."""

from __future__ import annotations

from marshmallow import fields, validate

from ..api.schemas import ApiSchema
from ..bookings.schemas import LocalDateTime
from .assignments import COMMENT_MAX
from .models import AssignmentStatus


class IndicatorToScore(ApiSchema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    points = fields.Float(
        allow_none=True, metadata={"description": "本专家已填写的分数（0-100），未填为 null"}
    )


class AssignmentOut(ApiSchema):
    """One of the caller's evaluation assignments."""

    id = fields.Integer()
    campaign_year = fields.Integer()
    campaign_title = fields.String()
    campaign_phase = fields.String()
    campaign_phase_label = fields.String()
    participant_id = fields.Integer()
    platform_ref = fields.String()
    platform_name = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in AssignmentStatus]})
    status_label = fields.String()
    can_score = fields.Boolean(metadata={"description": "当前可否评分：专家评审阶段且尚未提交"})
    indicators = fields.List(fields.Nested(IndicatorToScore), metadata={"description": "需要专家打分的指标"})
    comment = fields.String()
    submitted_at = LocalDateTime(allow_none=True)


class ScoresIn(ApiSchema):
    scores = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.Float(allow_none=True),
        required=True,
        metadata={
            "description": "指标代码 → 分数（0-100，整数或一位小数）；未列出或为 null 的指标视为未评分。"
            "草稿可以不完整，提交时每个专家指标都须有分数。"
        },
    )
    comment = fields.String(
        load_default="",
        validate=validate.Length(max=COMMENT_MAX),
        metadata={"description": "总体评语；提交时必填"},
    )
    submit = fields.Boolean(
        load_default=False, metadata={"description": "true：提交（之后只读）；false：保存草稿"}
    )
