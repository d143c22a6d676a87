"""API schemas of the published evaluation results (they generate the OpenAPI document)."""

from __future__ import annotations

from marshmallow import fields

from ..api.schemas import ApiSchema


class IndicatorResultOut(ApiSchema):
    value = fields.Float(allow_none=True, metadata={"description": "原始数值（无数据时为 null）"})
    score = fields.Float(allow_none=True, metadata={"description": "指标得分，0-100"})
    weight = fields.Float(metadata={"description": "权重（各指标合计 100）"})
    unit = fields.String()


class ResultOut(ApiSchema):
    platform_ref = fields.String()
    platform_name = fields.String()
    total = fields.Float(allow_none=True, metadata={"description": "总分，0-100"})
    rank = fields.Integer(allow_none=True, metadata={"description": "全省排名（同分同名次，如 1、2、2、4）"})
    grade = fields.String(
        allow_none=True, metadata={"description": "等级：excellent 优秀、good 良好、pass 合格、fail 不合格"}
    )
    grade_label = fields.String()
    indicators = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(IndicatorResultOut),
        metadata={"description": "按指标代码：原始数值、得分、权重、单位"},
    )


def result_data(participant) -> dict:
    return {
        "platform_ref": participant.platform.ref,
        "platform_name": participant.platform.name,
        "total": participant.total,
        "rank": participant.rank,
        "grade": participant.grade,
        "grade_label": participant.grade_label,
        "indicators": {
            value.indicator.code: {
                "value": value.value,
                "score": value.score,
                "weight": value.indicator.weight,
                "unit": value.indicator.unit,
            }
            for value in sorted(
                participant.values, key=lambda v: (v.indicator.dimension_id, v.indicator.position)
            )
        },
    }
