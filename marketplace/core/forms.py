"""Form helpers shared by the features."""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, TextAreaField, widgets
from wtforms.validators import Length

from .inputs import INT_RANGE_MESSAGE, NUL_MESSAGE, has_nul, int_in_range
from .timeutil import local_zone

#: The message of a required field left empty.
REQUIRED = "此项为必填项。"


def too_long(limit: int) -> Length:
    """At most `limit` characters, said in Chinese."""
    return Length(max=limit, message=f"不能超过 {limit} 个字符。")


#: The format of <input type="datetime-local"> (WTForms' DateTimeLocalField): a naive local moment.
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def aware(value: datetime | None) -> datetime | None:
    """A naive local date-time from a form as an aware moment in the marketplace's zone."""
    return value.replace(tzinfo=local_zone()) if value is not None else None


class Form(FlaskForm):
    """Every form of the site: WTForms' own messages in Simplified Chinese, and the shared input rules
    (`core.inputs`) applied to every field: no NUL in any text, integers within the database's range.
    A hidden field's refusal is shown at the top of the form."""

    class Meta:
        locales = ["zh"]

        def wrap_formdata(self, form, formdata):
            # A page's form reads the submitted form only. Flask-WTF would take a JSON body as form
            # data, and JSON that is not an object of strings ([1, 2], "x", {"email": 5}) breaks the
            # form; such a request is an empty form here, answered with the required fields' messages.
            if has_request_context() and request.is_json and request.method != "GET":
                formdata = request.form
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            message = input_rule_error(field)
            if message is None:
                continue
            valid = False
            if getattr(field.widget, "input_type", None) == "hidden":
                self.form_errors.append(f"{field.label.text or field.name}：{message}")
            else:
                field.errors = [*field.errors, message]
        return valid


def input_rule_error(field) -> str | None:
    """The shared input rule's message for one field, or None when it holds."""
    if any(isinstance(raw, str | list | dict) and has_nul(raw) for raw in field.raw_data or ()):
        return NUL_MESSAGE
    if isinstance(field, IntegerField) and isinstance(field.data, int) and not int_in_range(field.data):
        return INT_RANGE_MESSAGE
    return None


class CheckboxListField(SelectMultipleField):
    """A multi-select rendered as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LabelListField(TextAreaField):
    """Free labels separated by commas, 、 or new lines, e.g. certifications."""

    def _value(self):
        return "、".join(self.data or [])

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        for sep in (",", "，", "、", ";", "；", "\n"):
            raw = raw.replace(sep, "|")
        self.data = [part.strip()[:40] for part in raw.split("|") if part.strip()][:20]


def choices(mapping_or_list, blank: str | None = None) -> list[tuple[str, str]]:
    if isinstance(mapping_or_list, dict):
        items = list(mapping_or_list.items())
    else:
        items = [(v, v) for v in mapping_or_list]
    return ([("", blank)] if blank is not None else []) + items
