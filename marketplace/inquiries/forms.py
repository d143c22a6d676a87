"""Inquiry, proposal and answer forms."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from .. import vocab
from ..core.forms import Form
from ..core.inputs import int_in_range
from .models import NUMBERS

REQUIRED = "此项为必填项。"


def _optional_int(value):
    """A select's value: an id, or None for the blank choice (and for anything that is not a number)."""
    try:
        number = int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and int_in_range(number) else None


class InquiryForm(Form):
    offering_id = SelectField("咨询的资源或服务", coerce=_optional_int, validate_choice=False)
    demand_id = SelectField("关于我的需求（选填）", coerce=_optional_int, validate_choice=False)
    subject = StringField(
        "咨询主题", validators=[DataRequired(REQUIRED), Length(max=200, message="不能超过 200 个字符。")]
    )
    body = TextAreaField(
        "咨询内容（公开信息即可；保密信息请附上需求，在下一步确认）",
        validators=[DataRequired(REQUIRED), Length(max=5000, message="不能超过 5000 个字符。")],
    )
    requires_nda = BooleanField("要求平台先签署保密承诺，签署后才向其开放保密信息")
    #: "1" on the confirmation step (the firm has seen what it discloses).
    confirmed = HiddenField()

    def offer(self, offerings, demands) -> InquiryForm:
        self.offering_id.choices = [("", "（不指定具体资源）")] + [(o.id, o.title) for o in offerings]
        self.demand_id.choices = [("", "（不附需求）")] + [(d.id, d.title) for d in demands]
        return self


class InquiryActionForm(Form):
    """Accept (with the 保密承诺 when the firm asked for it), decline, withdraw or close."""

    reason = TextAreaField(
        "说明（婉拒时必填，对方可见）", validators=[Length(max=2000, message="不能超过 2000 个字符。")]
    )
    accept_nda = BooleanField("我代表本平台阅读并接受上述保密承诺")


class ProposalForm(Form):
    platform_id = SelectField("提交方案的平台", coerce=_optional_int, validate_choice=False)
    title = StringField(
        "方案标题", validators=[DataRequired(REQUIRED), Length(max=200, message="不能超过 200 个字符。")]
    )
    scope = TextAreaField(
        "方案内容与范围",
        validators=[DataRequired(REQUIRED), Length(max=10000, message="不能超过 10000 个字符。")],
    )
    deliverables = TextAreaField(
        "交付成果", validators=[DataRequired(REQUIRED), Length(max=10000, message="不能超过 10000 个字符。")]
    )
    price_amount = DecimalField(
        f"报价（元，整个项目；不填为{vocab.NEGOTIABLE}）",
        validators=[Optional(), NUMBERS["price_amount"].wtforms()],
    )
    lead_time_days = IntegerField("周期（天）", validators=[Optional(), NUMBERS["lead_time_days"].wtforms()])
    valid_until = DateField("报价有效期至", validators=[DataRequired("请填写报价有效期。")])
    offering_id = SelectField("依托的资源（选填）", coerce=_optional_int, validate_choice=False)

    def offer(self, platforms, offerings) -> ProposalForm:
        if self.platform_id is not None:
            self.platform_id.choices = [(p.id, p.name) for p in platforms]
        self.offering_id.choices = [("", "（不指定）")] + [
            (o.id, f"{o.title}（{o.platform.name}）") for o in offerings
        ]
        return self

    def to_data(self) -> dict:
        return {
            "title": self.title.data or "",
            "scope": self.scope.data or "",
            "deliverables": self.deliverables.data or "",
            "price_amount": float(self.price_amount.data) if self.price_amount.data is not None else None,
            "lead_time_days": self.lead_time_days.data,
            "valid_until": self.valid_until.data,
            "offering_id": self.offering_id.data,
        }


class QuoteForm(ProposalForm):
    """A quote answers an accepted inquiry: the platform is the inquiry's."""

    platform_id = None


class DeclineForm(Form):
    reason = TextAreaField(
        "不采纳的原因（平台可见）",
        validators=[
            DataRequired("请填写原因，对方将看到该原因。"),
            Length(max=2000, message="不能超过 2000 个字符。"),
        ],
    )


class AcceptForm(Form):
    """Accept one proposal; with a reason, decline every other one waiting on the demand at once."""

    decline_others = BooleanField("同时不采纳该需求的其他待答复方案")
    reason = TextAreaField(
        "不采纳其他方案的原因（各平台可见）", validators=[Length(max=2000, message="不能超过 2000 个字符。")]
    )
