"""The experts' declaration of a conflict of interest."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..core.forms import Form
from .services import REASON_MAX


class ConflictForm(Form):
    """The platform is picked among the search results (`platform_id`'s choices); the service checks
    that it is an approved platform whatever was posted."""

    q = HiddenField()
    platform_id = RadioField(
        "平台", coerce=int, validate_choice=False, validators=[DataRequired("请先搜索并选择平台。")]
    )
    reason = TextAreaField(
        "利益冲突原因",
        validators=[
            DataRequired("请说明利益冲突的原因。"),
            Length(max=REASON_MAX, message=f"不能超过 {REASON_MAX} 个字符。"),
        ],
        description="例如：曾在该平台任职、近三年与该平台有合作项目、亲属在该平台工作。",
    )
