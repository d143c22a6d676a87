"""Forms of the administrators' campaign pages (the services validate the same input again)."""

from __future__ import annotations

from wtforms import DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import vocab
from ..core.forms import Form, choices
from .metrics import METRICS

REQUIRED = "此项为必填项。"
NUMBER = "请输入数字。"


class NewCampaignForm(Form):
    year = IntegerField(
        "评价年度",
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=2000, max=2100, message="年度应在 2000 到 2100 之间。"),
        ],
        render_kw={"inputmode": "numeric"},
    )


class CampaignForm(Form):
    title = StringField(
        "标题", validators=[DataRequired(REQUIRED), Length(max=200, message="不能超过 200 个字符。")]
    )
    description = TextAreaField(
        "说明（参评平台可见）", validators=[Length(max=5000, message="不能超过 5000 个字符。")]
    )
    self_report_deadline = DateField("自评截止日期（含当天）", validators=[Optional()])
    excellent = FloatField("优秀最低分", validators=[InputRequired(REQUIRED)])
    good = FloatField("良好最低分", validators=[InputRequired(REQUIRED)])
    passing = FloatField("合格最低分（低于此分为不合格）", validators=[InputRequired(REQUIRED)])

    def data_for_service(self) -> dict:
        return {
            "title": self.title.data,
            "description": self.description.data,
            "self_report_deadline": self.self_report_deadline.data,
            "excellent": self.excellent.data,
            "good": self.good.data,
            "pass": self.passing.data,
        }


class DimensionForm(Form):
    name = StringField(
        "维度名称", validators=[DataRequired(REQUIRED), Length(max=100, message="不能超过 100 个字符。")]
    )


class NewDimensionForm(DimensionForm):
    code = StringField(
        "代码（小写字母、数字、下划线）",
        validators=[DataRequired(REQUIRED), Length(max=40, message="不能超过 40 个字符。")],
    )


DIRECTIONS = {"1": "数值越高越好", "0": "数值越低越好"}


class IndicatorForm(Form):
    dimension_id = SelectField("所属维度", validators=[DataRequired("请选择所属维度。")])
    code = StringField(
        "代码（小写字母、数字、下划线；接口和导出表的列名）",
        validators=[DataRequired(REQUIRED), Length(max=40, message="不能超过 40 个字符。")],
    )
    name = StringField(
        "指标名称", validators=[DataRequired(REQUIRED), Length(max=100, message="不能超过 100 个字符。")]
    )
    description = TextAreaField("说明（统计口径，参评平台可见）", validators=[Length(max=2000)])
    weight = FloatField(
        "权重（分）", validators=[InputRequired(REQUIRED)], render_kw={"inputmode": "decimal"}
    )
    source = SelectField(
        "数据来源",
        choices=choices(vocab.INDICATOR_SOURCES, blank="请选择"),
        validators=[DataRequired(REQUIRED)],
    )
    metric = SelectField(
        "计算口径（平台数据自动计算时必选）",
        choices=[("", "不适用")] + [(key, m.name) for key, m in METRICS.items()],
    )
    unit = StringField("单位", validators=[Length(max=20, message="不能超过 20 个字符。")])
    rule = SelectField(
        "计分规则", choices=choices(vocab.SCORING_RULES, blank="请选择"), validators=[DataRequired(REQUIRED)]
    )
    target = FloatField(
        "目标值（对标目标值规则）", validators=[Optional()], render_kw={"inputmode": "decimal"}
    )
    bands = StringField("分档（分档计分规则，如 1:70, 2:90, 3:100）", validators=[Length(max=500)])
    higher_is_better = SelectField("方向", choices=list(DIRECTIONS.items()), default="1")

    def offer(self, dimensions) -> IndicatorForm:
        self.dimension_id.choices = [("", "请选择")] + [(str(d.id), d.name) for d in dimensions]
        return self

    def data_for_service(self) -> dict:
        raw = self.dimension_id.data or ""
        return {
            "dimension_id": int(raw) if raw.isdigit() else None,
            "code": self.code.data,
            "name": self.name.data,
            "description": self.description.data,
            "weight": self.weight.data,
            "source": self.source.data,
            "metric": self.metric.data,
            "unit": self.unit.data,
            "rule": self.rule.data,
            "target": self.target.data,
            "bands": self.bands.data,
            "higher_is_better": self.higher_is_better.data != "0",
        }


class ParticipantForm(Form):
    #: the service decides (a platform already enrolled is named in the message)
    platform_id = SelectField(
        "增加参评平台", validators=[DataRequired("请选择平台。")], validate_choice=False
    )

    def offer(self, platforms) -> ParticipantForm:
        self.platform_id.choices = [("", "请选择已通过审核的平台")] + [(str(p.id), p.name) for p in platforms]
        return self

    def platform(self) -> int | None:
        raw = self.platform_id.data or ""
        return int(raw) if raw.isdigit() else None
