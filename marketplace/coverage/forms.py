"""The period of the coverage pages (a GET form: no CSRF), and the action on an unmet demand."""

from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .. import vocab
from ..core.forms import CheckboxListField, Form


class PeriodForm(Form):
    class Meta:
        csrf = False

    start = DateField("开始日期", validators=[Optional()])
    end = DateField("结束日期（含当天）", validators=[Optional()])


class GapActionForm(Form):
    """What an administrator does about one unmet demand (its own prefix: the list holds one per demand)."""

    action = RadioField(
        "处理方式", choices=list(vocab.GAP_ACTIONS.items()), validators=[InputRequired("请选择处理方式。")]
    )
    platforms = CheckboxListField("推荐给这些平台（推荐时必选）", coerce=int, validate_choice=False)
    note = TextAreaField(
        "说明（企业会看到；推荐给平台时，所选平台也会看到）",
        validators=[Length(max=500, message="说明不能超过 500 个字符。")],
    )


def gap_form(demand, platforms, formdata=None) -> GapActionForm:
    form = GapActionForm(formdata=formdata, prefix=f"d{demand.id}")
    form.platforms.choices = [(p.id, f"{p.name}（{p.city}）") for p in platforms]
    return form
