"""The administrators' correction of a published result."""

from __future__ import annotations

from wtforms import DecimalField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..core.forms import Form
from .results import CORRECTED_VALUE, REASON_MAX


class CorrectionForm(Form):
    indicator = SelectField("指标", validators=[DataRequired("请选择要更正的指标。")])
    value = DecimalField(
        "更正后的数值", validators=[InputRequired("请填写更正后的数值。"), CORRECTED_VALUE.wtforms()]
    )
    reason = TextAreaField(
        "更正原因（将在结果页公开）",
        validators=[
            DataRequired("请填写更正原因（将在结果页公开）。"),
            Length(max=REASON_MAX, message=f"不能超过 {REASON_MAX} 个字符。"),
        ],
    )

    def offer(self, indicators) -> CorrectionForm:
        self.indicator.choices = [("", "请选择")] + [
            (
                i.code,
                f"{i.dimension.name} · {i.name}（{i.unit}）" if i.unit else f"{i.dimension.name} · {i.name}",
            )
            for i in indicators
        ]
        return self
