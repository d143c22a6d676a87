"""Forms of the experts' part of the evaluation: assigning experts, reopening a submission, scoring."""

from __future__ import annotations

from wtforms import FloatField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.forms import CheckboxListField, Form
from .assignments import COMMENT_MAX, REASON_MAX, points_bounds


class AssignForm(Form):
    """Experts for one participant; the page lists every expert, those who may not be assigned
    disabled with the reason (the service refuses them all the same)."""

    expert_ids = CheckboxListField("评审专家", coerce=int, validators=[DataRequired("请至少选择一位专家。")])


class BulkAssignForm(Form):
    """The same experts for many participants; pairs that may not be assigned are skipped."""

    expert_ids = CheckboxListField("评审专家", coerce=int, validators=[DataRequired("请至少选择一位专家。")])
    participant_ids = CheckboxListField(
        "参评平台", coerce=int, validators=[DataRequired("请至少选择一个参评平台。")]
    )


class ReopenForm(Form):
    reason = TextAreaField(
        "退回原因（专家可见）",
        validators=[
            DataRequired("请填写退回重评的原因（专家可见）。"),
            Length(max=REASON_MAX, message=f"不能超过 {REASON_MAX} 个字符。"),
        ],
    )


class ScoreForm(Form):
    """Points per expert indicator (fields `score_<indicator id>`, added by `score_form`) and the
    overall comment. The service names fields `scores.<code>`: they are found here by that name."""

    comment = TextAreaField(
        "总体评语（提交时必填）",
        validators=[Length(max=COMMENT_MAX, message=f"不能超过 {COMMENT_MAX} 个字符。")],
    )
    codes: dict[str, str] = {}

    def __getattr__(self, name: str):
        if name.startswith("scores."):
            field_name = type(self).codes.get(name.removeprefix("scores."))
            if field_name is not None:
                return self[field_name]
        raise AttributeError(name)

    def scores(self) -> dict[str, float | None]:
        return {code: self[name].data for code, name in type(self).codes.items()}

    def score_fields(self):
        return [self[name] for name in type(self).codes.values()]


def score_form(indicators, **kwargs) -> ScoreForm:
    """The scoring form of a campaign's expert indicators."""

    class CampaignScoreForm(ScoreForm):
        codes = {i.code: f"score_{i.id}" for i in indicators}

    for indicator in indicators:
        setattr(
            CampaignScoreForm,
            f"score_{indicator.id}",
            FloatField(
                f"{indicator.name}（0-100 分）",
                validators=[Optional(), points_bounds(indicator).wtforms()],
                description=indicator.description,
                render_kw={"inputmode": "decimal", "step": "0.1", "min": "0", "max": "100"},
            ),
        )
    return CampaignScoreForm(**kwargs)
