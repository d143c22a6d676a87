"""Event forms: the operators' event and a registration."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Optional

from .. import vocab
from ..core.forms import LOCAL_FORMAT, REQUIRED, Form, aware, choices, too_long
from ..core.timeutil import to_local
from .services import NUMBERS


class EventForm(Form):
    kind = SelectField(
        "活动类型", choices=choices(vocab.EVENT_KINDS, "请选择"), validators=[DataRequired(REQUIRED)]
    )
    title = StringField("活动名称", validators=[DataRequired(REQUIRED), too_long(200)])
    description = TextAreaField("活动介绍（议程、嘉宾、参加对象、费用）", validators=[too_long(10000)])
    starts_at = DateTimeLocalField("开始时间", format=LOCAL_FORMAT, validators=[InputRequired(REQUIRED)])
    ends_at = DateTimeLocalField("结束时间", format=LOCAL_FORMAT, validators=[InputRequired(REQUIRED)])
    city = SelectField(
        "城市", choices=choices(vocab.ALL_CITIES, "请选择"), validators=[DataRequired(REQUIRED)]
    )
    place = StringField(
        "地点（详细地址；线上活动写“线上”和会议平台）", validators=[DataRequired(REQUIRED), too_long(200)]
    )
    capacity = IntegerField("名额（留空为不限）", validators=[Optional(), NUMBERS["capacity"].wtforms()])
    registration_deadline = DateTimeLocalField(
        "报名截止时间（留空为活动开始时）", format=LOCAL_FORMAT, validators=[Optional()]
    )

    def values(self) -> dict:
        return {
            "kind": self.kind.data,
            "title": self.title.data or "",
            "description": self.description.data or "",
            "starts_at": aware(self.starts_at.data),
            "ends_at": aware(self.ends_at.data),
            "city": self.city.data,
            "place": self.place.data or "",
            "capacity": self.capacity.data,
            "registration_deadline": aware(self.registration_deadline.data),
        }


def _naive(moment):
    """A stored moment as the naive local time a datetime-local input shows."""
    return to_local(moment).replace(tzinfo=None) if moment else None


def event_form(event=None, formdata=None) -> EventForm:
    """The form, filled from the event when editing (times shown in local time)."""
    if event is None:
        return EventForm(formdata=formdata)
    return EventForm(
        formdata=formdata,
        kind=event.kind,
        title=event.title,
        description=event.description,
        starts_at=_naive(event.starts_at),
        ends_at=_naive(event.ends_at),
        city=event.city,
        place=event.place,
        capacity=event.capacity,
        registration_deadline=(
            to_local(event.registration_deadline).replace(tzinfo=None)
            if event.registration_deadline
            else None
        ),
    )


class RegistrationForm(Form):
    phone = StringField("联系电话", validators=[DataRequired(REQUIRED), too_long(30)])
    note = StringField("备注（可选，如参会人职务、需要的材料）", validators=[too_long(300)])
