"""The upload form used for every owner."""

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from ..core.forms import Form
from .storage import ACCEPT


class AttachmentForm(Form):
    accept = ACCEPT  #: for the file input's `accept` attribute
    file = FileField("上传图片或 PDF", validators=[FileRequired("请选择要上传的文件。")])
    purpose = HiddenField()  #: optional, for owners that register purposes (photo, logo, …)
