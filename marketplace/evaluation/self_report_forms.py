"""Forms of the self-report: the platform's figures (one number and one explanation per self-reported
indicator of the campaign, built for that campaign), the administrators' return and extension, and
the filter of their list."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from wtforms import DateField, DecimalField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .. import vocab
from ..core.forms import Form
from . import self_report as services

REQUIRED = "此项为必填项。"


class SelfReportForm(Form):
    """Subclassed per campaign by `self_report_form`: `value_<code>` and `explanation_<code>`."""

    indicator_codes: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: The refusal about evidence files (no field of this form: shown beside the upload).
        self.evidence = SimpleNamespace(errors=[])

    def entries(self) -> dict[str, dict]:
        """{code: {"value", "explanation"}} as the service reads them (an empty number: None)."""
        return {
            code: {
                "value": self[services.value_field(code)].data,
                "explanation": self[services.explanation_field(code)].data or "",
            }
            for code in self.indicator_codes
        }


def _number_text(value: float | None) -> Decimal | None:
    """12.0 → 12, 3.50 → 3.5 (as typed, not '12.00')."""
    if value is None:
        return None
    return Decimal(repr(value)).normalize()


class _PlainDecimalField(DecimalField):
    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data, "f")


def self_report_form(participant, formdata=None) -> SelfReportForm:
    """The form of this participant's self-reported indicators, filled from what is stored (or from
    the request when `formdata` is the submitted form)."""
    indicators = [i for i, _v in services.rows(participant)]

    class Form_(SelfReportForm):
        indicator_codes = tuple(i.code for i in indicators)

    for indicator in indicators:
        bounds = services.bounds_for(indicator)
        unit = f"（{indicator.unit}）" if indicator.unit else ""
        setattr(
            Form_,
            services.value_field(indicator.code),
            _PlainDecimalField(
                f"{indicator.name}{unit}",
                places=None,
                validators=[Optional(), bounds.wtforms()],
                render_kw={"inputmode": "numeric" if bounds.integer else "decimal"},
            ),
        )
        setattr(
            Form_,
            services.explanation_field(indicator.code),
            TextAreaField(
                f"{indicator.name}：数据说明",
                validators=[
                    Length(
                        max=services.EXPLANATION_MAX,
                        message=f"说明不能超过 {services.EXPLANATION_MAX} 个字。",
                    )
                ],
            ),
        )
    stored = {}
    for indicator, value in services.rows(participant):
        if value is not None:
            stored[services.value_field(indicator.code)] = _number_text(value.value)
            stored[services.explanation_field(indicator.code)] = value.evidence
    form = Form_(formdata=formdata, data=stored)
    for code in Form_.indicator_codes:
        form[services.value_field(code)].flags.required = True  # for submitting (a draft may omit it)
    return form


class ReturnForm(Form):
    comment = TextAreaField(
        "退回意见（平台将看到）",
        validators=[
            DataRequired("请填写退回意见（平台将看到）。"),
            Length(max=services.COMMENT_MAX, message=f"不能超过 {services.COMMENT_MAX} 个字。"),
        ],
    )


class ExtensionForm(Form):
    until = DateField("延期后的截止日期（含当天）", validators=[InputRequired("请选择延期后的截止日期。")])
    reason = TextAreaField(
        "说明（平台将看到，可选）",
        validators=[Length(max=services.COMMENT_MAX, message=f"不能超过 {services.COMMENT_MAX} 个字。")],
    )


class ParticipantFilters(Form):
    """The administrators' list filter (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(
        "自评状态", choices=[("", "全部")] + list(vocab.SELF_REPORT_STATUSES.items()), default=""
    )

    def value(self) -> str | None:
        """Only known values: anything else in the query string is ignored."""
        return self.status.data if self.status.data in vocab.SELF_REPORT_STATUSES else None
