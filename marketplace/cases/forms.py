"""Forms of the typical-case selection: rounds, nominations, returns, expert assignment, rubric scores."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .. import vocab
from ..core.forms import CheckboxListField, Form, choices
from ..core.timeutil import format_date
from . import services

REQUIRED = "此项为必填项。"


def _text(label: str, limit: int, required: bool = True, **kwargs):
    validators = [DataRequired(REQUIRED)] if required else []
    return TextAreaField(
        label, validators=[*validators, Length(max=limit, message=f"不能超过 {limit} 个字符。")], **kwargs
    )


class RoundForm(Form):
    year = IntegerField("年度", validators=[InputRequired(REQUIRED), services.YEAR.wtforms()])
    title = StringField(
        "标题",
        validators=[DataRequired(REQUIRED), Length(max=services.TITLE_MAX, message="不能超过 200 个字符。")],
    )
    description = _text("征集说明", services.TEXT_MAX, required=False)
    nomination_deadline = DateField(
        "推荐截止日期", validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"}
    )
    quota_service = IntegerField(
        "“中试服务”入选名额", validators=[InputRequired(REQUIRED), services.QUOTA.wtforms()]
    )
    quota_solution = IntegerField(
        "“解决方案”入选名额", validators=[InputRequired(REQUIRED), services.QUOTA.wtforms()]
    )
    quota_application = IntegerField(
        "“应用案例”入选名额", validators=[InputRequired(REQUIRED), services.QUOTA.wtforms()]
    )

    def fill(self, rnd) -> RoundForm:
        for category, value in (rnd.quotas or {}).items():
            getattr(self, f"quota_{category}").data = value
        return self

    def data_dict(self) -> dict:
        return {
            "year": self.year.data,
            "title": self.title.data,
            "description": self.description.data,
            "nomination_deadline": self.nomination_deadline.data,
            "quotas": {c: getattr(self, f"quota_{c}").data for c in vocab.CASE_CATEGORIES},
        }


def _work_label(booking, with_platform: bool) -> str:
    done = booking.completed_at or booking.confirmed_at
    when = f"，{format_date(done)} 完成" if done else ""
    where = f"{booking.platform.name}：" if with_platform else ""
    return f"{where}{booking.title}（{booking.kind_label}，{booking.organization.name}{when}）"


class NominationForm(Form):
    platform_id = SelectField("推荐平台", coerce=int, validators=[DataRequired("请选择平台。")])
    category = SelectField(
        "案例类别",
        choices=choices(vocab.CASE_CATEGORIES, blank="请选择"),
        validators=[DataRequired(REQUIRED)],
    )
    title = StringField(
        "案例名称",
        validators=[DataRequired(REQUIRED), Length(max=services.TITLE_MAX, message="不能超过 200 个字符。")],
    )
    problem = _text("企业面临的问题", services.TEXT_MAX)
    approach = _text("平台的做法", services.TEXT_MAX)
    results = _text("取得的成效（请写明数据）", services.TEXT_MAX)
    # Choices are the platform's done work; the service verifies whatever arrives (validate_choice off),
    # so a booking of another platform is refused beside this field with the service's message.
    evidence = CheckboxListField("佐证：本平台已完成的预约或订单", coerce=int, validate_choice=False)

    def offer(self, platforms, work) -> NominationForm:
        self.platform_id.choices = [(p.id, p.name) for p in platforms]
        several = len({b.platform_id for b in work}) > 1
        self.evidence.choices = [(b.id, _work_label(b, several)) for b in work]
        return self

    def data_dict(self) -> dict:
        return {
            name: getattr(self, name).data for name in ("category", "title", "problem", "approach", "results")
        } | {"evidence": self.evidence.data or []}


class ReturnForm(Form):
    comment = _text("退回意见（平台可见）", services.COMMENT_MAX)


class AssignForm(Form):
    experts = CheckboxListField("评审专家", coerce=int, validate_choice=False)


class ReviewForm(Form):
    comment = _text("评审意见", services.COMMENT_MAX, required=False)


for _code, _label in vocab.CASE_CRITERIA.items():
    setattr(
        ReviewForm,
        _code,
        IntegerField(f"{_label}（0-100）", validators=[Optional(), services.POINTS[_code].wtforms()]),
    )
