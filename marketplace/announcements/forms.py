"""The administrators' notice form."""

from __future__ import annotations

from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from .. import vocab
from ..core.forms import REQUIRED, Form, choices, too_long


class AnnouncementForm(Form):
    kind = SelectField(
        "类别", choices=choices(vocab.ANNOUNCEMENT_KINDS, "请选择"), validators=[DataRequired(REQUIRED)]
    )
    title = StringField("标题", validators=[DataRequired(REQUIRED), too_long(200)])
    issuer = StringField("发布单位（留空为本平台）", validators=[too_long(100)])
    body = TextAreaField("正文（空一行分段）", validators=[DataRequired(REQUIRED), too_long(50000)])
    deadline = DateField("申报截止日期（申报通知必填）", validators=[Optional()])
    source_url = StringField("原文链接（可选）", validators=[too_long(500)])
    pinned = BooleanField("置顶")

    def values(self) -> dict:
        return {
            name: getattr(self, name).data for name in ("kind", "title", "issuer", "body", "deadline")
        } | {
            "source_url": self.source_url.data or "",
            "pinned": bool(self.pinned.data),
        }
