"""Demand forms."""

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from .. import vocab
from ..core.forms import CheckboxListField, Form, choices
from .models import NUMBERS
from .services import FEEDBACK_REASON_MAX, REASON_TOO_LONG

REQUIRED = "此项为必填项。"


class DemandForm(Form):
    title = StringField(
        "需求标题", validators=[DataRequired(REQUIRED), Length(max=200, message="不能超过 200 个字符。")]
    )
    description = TextAreaField(
        "需求描述（公开摘要，用自己的话写清要做什么、做到什么规模）",
        validators=[DataRequired(REQUIRED), Length(max=10000, message="不能超过 10000 个字符。")],
    )
    domains = CheckboxListField(
        "所属领域", choices=choices(vocab.DOMAINS), validators=[DataRequired("请至少选择一个领域。")]
    )
    kinds = CheckboxListField("所需资源类型", choices=choices(vocab.OFFERING_KINDS))
    trl = IntegerField("技术成熟度 TRL（1-9）", validators=[Optional(), NUMBERS["trl"].wtforms()])
    budget_max = DecimalField("预算上限（元）", validators=[Optional(), NUMBERS["budget_max"].wtforms()])
    window_start = DateField("期望开始日期", validators=[Optional()])
    window_end = DateField("期望完成日期", validators=[Optional()])
    deadline = DateField("征集截止日期（默认为期望完成日期）", validators=[Optional()])
    city_preference = CheckboxListField("优先城市", choices=choices(vocab.ALL_CITIES))
    confidential_detail = TextAreaField(
        "保密信息（仅您联系的平台和管理员可见）",
        validators=[Length(max=20000, message="不能超过 20000 个字符。")],
    )
    is_anonymous = BooleanField(
        f"匿名发布（公开页面显示为“{vocab.ANONYMOUS_FIRM}”，企业名称仅您联系的平台和管理员可见）"
    )

    def to_data(self) -> dict:
        data = {
            name: getattr(self, name).data
            for name in (
                "title",
                "description",
                "domains",
                "kinds",
                "trl",
                "window_start",
                "window_end",
                "deadline",
                "city_preference",
                "confidential_detail",
                "is_anonymous",
            )
        }
        data["budget_max"] = float(self.budget_max.data) if self.budget_max.data is not None else None
        data["description"] = data["description"] or ""
        data["confidential_detail"] = data["confidential_detail"] or ""
        return data


class MatchFeedbackForm(Form):
    """One click on a match: 有用 or 不相关, with an optional reason."""

    useful = SubmitField("有用")
    not_useful = SubmitField("不相关")
    reason = StringField(
        "原因（可选）",
        validators=[Optional(), Length(max=FEEDBACK_REASON_MAX, message=REASON_TOO_LONG)],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.useful.data or self.not_useful.data):
            self.form_errors.append("请点选“有用”或“不相关”。")
            return False
        return valid
