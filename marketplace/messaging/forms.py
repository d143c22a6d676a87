"""The form of a message: its text and optional files."""

from flask_wtf.file import MultipleFileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..attachments.storage import ACCEPT
from ..core.forms import Form
from .services import BODY_MAX


class MessageForm(Form):
    accept = ACCEPT  #: for the file input's `accept` attribute
    body = TextAreaField(
        "消息内容",
        validators=[
            DataRequired("请填写消息内容。"),
            Length(max=BODY_MAX, message=f"消息不能超过 {BODY_MAX} 个字符。"),
        ],
    )
    files = MultipleFileField("附件（可选，图片或 PDF）")

    def uploads(self) -> list:
        """The files chosen (an empty file input sends one nameless part: not a file)."""
        return [f for f in (self.files.data or []) if f and getattr(f, "filename", None)]
