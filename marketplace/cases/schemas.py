"""API schemas of the typical cases: the public showcase and the experts' rubric scores."""

from __future__ import annotations

from marshmallow import fields, validate

from .. import vocab
from ..api.schemas import ApiSchema, PageArgs
from ..core.timeutil import to_local
from . import services


class CaseFilterArgs(PageArgs):
    year = fields.Integer(
        validate=services.YEAR.marshmallow(), metadata={"description": "遴选年度，例如 2025"}
    )
    category = fields.String(
        validate=validate.OneOf(list(vocab.CASE_CATEGORIES)),
        metadata={"description": "service 中试服务、solution 解决方案、application 应用案例"},
    )


class CaseOut(ApiSchema):
    ref = fields.String()
    year = fields.Integer()
    category = fields.String()
    title = fields.String()
    platform_ref = fields.String()
    platform_name = fields.String()
    problem = fields.String()
    approach = fields.String()
    results = fields.String()
    url = fields.String(metadata={"description": "案例的公开页面"})


def case_data(nomination, url: str) -> dict:
    return {
        "ref": nomination.ref,
        "year": nomination.round.year,
        "category": nomination.category.value,
        "title": nomination.title,
        "platform_ref": nomination.platform.ref,
        "platform_name": nomination.platform.name,
        "problem": nomination.problem,
        "approach": nomination.approach,
        "results": nomination.results,
        "url": url,
    }


CRITERIA_TEXT = "、".join(f"{code} {label}" for code, label in vocab.CASE_CRITERIA.items())


class CaseReviewIn(ApiSchema):
    scores = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(vocab.CASE_CRITERIA))),
        values=fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100)),
        required=True,
        metadata={"description": f"各评分项 0-100 的整数：{CRITERIA_TEXT}；提交时四项均须填写"},
    )
    comment = fields.String(load_default="", validate=validate.Length(max=services.COMMENT_MAX))
    submit = fields.Boolean(
        load_default=False, metadata={"description": "true：提交评分（提交后不能修改）；false：只保存"}
    )


class CaseReviewOut(ApiSchema):
    id = fields.Integer()
    nomination_ref = fields.String()
    year = fields.Integer()
    category = fields.String()
    title = fields.String()
    platform_name = fields.String()
    problem = fields.String()
    approach = fields.String()
    results = fields.String()
    evidence_count = fields.Integer(metadata={"description": "作为佐证的已完成服务数量"})
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True))
    mean = fields.Float(allow_none=True, metadata={"description": "四项平均分（四项都填写后）"})
    comment = fields.String()
    submitted_at = fields.String(
        allow_none=True, metadata={"description": "提交时间（ISO 8601），未提交为 null"}
    )
    editable = fields.Boolean(metadata={"description": "当前是否可以保存或提交评分"})


def review_data(review) -> dict:
    nomination = review.nomination
    return {
        "id": review.id,
        "nomination_ref": nomination.ref,
        "year": nomination.round.year,
        "category": nomination.category.value,
        "title": nomination.title,
        "platform_name": nomination.platform.name,
        "problem": nomination.problem,
        "approach": nomination.approach,
        "results": nomination.results,
        "evidence_count": len(nomination.evidence),
        "scores": {code: getattr(review, code) for code in vocab.CASE_CRITERIA},
        "mean": review.mean,
        "comment": review.comment,
        "submitted_at": to_local(review.submitted_at).isoformat() if review.submitted_at else None,
        "editable": services.review_open(review),
    }
