"""Form helpers shared by the features."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField, widgets


class Form(FlaskForm):
    """Every form of the site: WTForms' own messages in Simplified Chinese."""

    class Meta:
        locales = ["zh"]


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
