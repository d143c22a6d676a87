"""Booking forms: the firm's request (by the hour or by whole days), the actions that need words
(decline, cancel, complete), reviews and outcomes, and the operators' blocked periods."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_wtf.file import MultipleFileField
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from .. import vocab
from ..core.forms import LOCAL_FORMAT, Form, aware
from ..core.timeutil import local_zone
from .services import NOTE_MAX

REQUIRED = "此项为必填项。"
TOO_LONG = f"不能超过 {NOTE_MAX} 个字符。"


class _RequestFields(Form):
    quantity = IntegerField(
        "数量（台/套）",
        default=1,
        validators=[InputRequired(REQUIRED), NumberRange(min=1, max=1000, message="数量应为 1 到 1000。")],
        render_kw={"inputmode": "numeric"},
    )
    note = TextAreaField("备注（用途、样品、特殊要求）", validators=[Length(max=NOTE_MAX, message=TOO_LONG)])
    demand_id = SelectField("关联我的需求（可选）", choices=[("", "不关联")], default="")
    files = MultipleFileField("附件（图片或 PDF，可多选，提交申请时上传）")
    #: the price the firm saw in the preview; a send with another price shows the new preview first
    quoted = HiddenField()


class HourlyRequestForm(_RequestFields):
    """A window by date and time (offerings priced by the hour, batch, sample, project or 面议)."""

    start = DateTimeLocalField("开始时间", format=LOCAL_FORMAT, validators=[InputRequired(REQUIRED)])
    end = DateTimeLocalField("结束时间", format=LOCAL_FORMAT, validators=[InputRequired(REQUIRED)])

    def window(self) -> tuple[datetime | None, datetime | None]:
        return aware(self.start.data), aware(self.end.data)


class WholeDayRequestForm(_RequestFields):
    """Whole local days, the last one included (offerings priced by the day or month)."""

    start = DateField("开始日期", validators=[InputRequired(REQUIRED)])
    end = DateField("结束日期（含当天）", validators=[InputRequired(REQUIRED)])

    def window(self) -> tuple[datetime | None, datetime | None]:
        if self.start.data is None or self.end.data is None:
            return None, None
        zone = local_zone()
        return (
            datetime.combine(self.start.data, time(0), tzinfo=zone),
            datetime.combine(self.end.data + timedelta(days=1), time(0), tzinfo=zone),
        )


class ReasonForm(Form):
    reason = TextAreaField("原因（对方将看到）", validators=[Length(max=NOTE_MAX, message=TOO_LONG)])


class CompleteForm(Form):
    report = TextAreaField(
        "完成情况说明",
        validators=[DataRequired("请填写完成情况说明。"), Length(max=NOTE_MAX, message=TOO_LONG)],
    )
    files = MultipleFileField("完成报告、检测数据等附件（可多选）")


class ReviewForm(Form):
    rating = SelectField(
        "评分",
        choices=[("", "请选择")] + [(str(n), f"{n} 分" + "★" * n) for n in range(5, 0, -1)],
        default="",
        validators=[DataRequired("请选择 1 到 5 分。")],
    )
    comment = TextAreaField(
        "评价（公开显示，不显示企业名称）", validators=[Length(max=NOTE_MAX, message=TOO_LONG)]
    )


class ReplyForm(Form):
    reply = TextAreaField(
        "回复（公开显示，只能回复一次）",
        validators=[DataRequired("请填写回复内容。"), Length(max=NOTE_MAX, message=TOO_LONG)],
    )


class OutcomeForm(Form):
    outcome = SelectField(
        "转化成效",
        choices=[("", "请选择")] + list(vocab.OUTCOMES.items()),
        default="",
        validators=[DataRequired("请选择转化成效。")],
    )
    outcome_note = TextAreaField("说明（可选）", validators=[Length(max=NOTE_MAX, message=TOO_LONG)])


class BlockForm(Form):
    start = DateTimeLocalField("开始时间", format=LOCAL_FORMAT, validators=[InputRequired(REQUIRED)])
    end = DateTimeLocalField("结束时间", format=LOCAL_FORMAT, validators=[InputRequired(REQUIRED)])
    reason = StringField(
        "原因（对所有人显示，如设备维护、内部使用）",
        validators=[DataRequired("请填写停用原因。"), Length(max=200, message="不能超过 200 个字符。")],
    )


class ListFilters(Form):
    """The filters of the booking lists (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(
        "状态", choices=[("", "全部状态")] + list(vocab.BOOKING_STATUSES.items()), default=""
    )
    kind = SelectField("类型", choices=[("", "预约和订单")] + list(vocab.BOOKING_KINDS.items()), default="")
    todo = SelectField("待办", choices=[("", "全部")] + list(vocab.FIRM_BOOKING_TODOS.items()), default="")

    def values(self) -> tuple[str | None, str | None, str | None]:
        """Only known values: anything else in the query string is ignored."""
        status = self.status.data if self.status.data in vocab.BOOKING_STATUSES else None
        kind = self.kind.data if self.kind.data in vocab.BOOKING_KINDS else None
        todo = self.todo.data if self.todo.data in vocab.FIRM_BOOKING_TODOS else None
        return status, kind, todo
