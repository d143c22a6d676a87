"""Platform forms."""

from __future__ import annotations

from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from .. import vocab
from ..core.forms import CheckboxListField, Form, LabelListField, choices

REQUIRED = "此项为必填项。"


class PlatformForm(Form):
    name = StringField(
        "平台名称", validators=[DataRequired(REQUIRED), Length(max=200, message="不能超过 200 个字符。")]
    )
    # No level is preselected: the operator states the platform's recognition, the review checks it.
    level = SelectField(
        "平台级别",
        choices=choices(vocab.PLATFORM_LEVELS, blank="请选择"),
        validators=[DataRequired(REQUIRED)],
    )
    city = SelectField("所在城市", choices=choices(vocab.ALL_CITIES), validators=[DataRequired(REQUIRED)])
    domains = CheckboxListField(
        "所属领域", choices=choices(vocab.DOMAINS), validators=[DataRequired("请至少选择一个领域。")]
    )
    description = TextAreaField("平台简介", validators=[Length(max=5000, message="不能超过 5000 个字符。")])
    capabilities = TextAreaField("核心能力", validators=[Length(max=5000, message="不能超过 5000 个字符。")])
    certifications = LabelListField("资质认证（如 CNAS、CMA、GMP，用顿号分隔）")
    address = StringField("地址", validators=[Length(max=300)])
    contact_name = StringField("联系人", validators=[Length(max=100)])
    contact_phone = StringField("联系电话", validators=[Length(max=50)])
    contact_email = EmailField(
        "联系邮箱", validators=[Optional(), Email("请输入有效的邮箱地址。"), Length(max=254)]
    )
    sharing_rules = TextAreaField(
        "开放共享规则", validators=[Length(max=5000, message="不能超过 5000 个字符。")]
    )
    fee_standard = TextAreaField("收费标准", validators=[Length(max=5000, message="不能超过 5000 个字符。")])


class ReviewForm(Form):
    """An administrator's decision; the choices are the actions the workflow allows now."""

    action = SelectField("审核决定", validators=[DataRequired("请选择审核决定。")])
    reason = TextAreaField(
        "意见（退回、不予通过、暂停时必填，运营方可见）",
        validators=[Length(max=2000, message="不能超过 2000 个字符。")],
    )

    def offer(self, actions: list[str], labels) -> ReviewForm:
        self.action.choices = [("", "请选择")] + [(a, labels[a]) for a in actions]
        return self
