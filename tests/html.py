"""Reading rendered forms as a user sees them: the messages beside each field, which fields are marked
required. Built on the standard library's HTML parser (the pages are our own, well-formed markup)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Field:
    """One `.field` block of the form macro (`id="field-<name>"`)."""

    name: str
    label: str = ""  #: the label's text, asterisk included
    errors: list[str] = field(default_factory=list)
    controls: list[dict] = field(default_factory=list)  #: attributes of its input/select/textarea tags
    group: dict = field(default_factory=dict)  #: attributes of a checkbox group's container, if any

    @property
    def marked_required(self) -> bool:
        """An asterisk in the label, and for assistive technology `required` + `aria-required` on
        the control, or (a group of checkboxes) "必填" in the group's label."""
        if self.group:
            hinted = "（必填）" in self.label
        else:
            hinted = bool(self.controls) and all(
                "required" in c and c.get("aria-required") == "true" for c in self.controls
            )
        return "*" in self.label and hinted

    @property
    def marked_anyhow(self) -> bool:
        """Any sign of being required (to find fields marked that need not be)."""
        return "*" in self.label or "（必填）" in self.label or any("required" in c for c in self.controls)


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, Field] = {}
        self.stack: list[tuple[str, Field | None, str | None]] = []  # (tag, field opened here, role)

    def _current(self) -> Field | None:
        for _tag, fld, _role in reversed(self.stack):
            if fld is not None:
                return fld
        return None

    def _inside(self, role: str) -> bool:
        return any(r == role for _t, _f, r in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = {k: ("" if v is None else v) for k, v in attrs}
        classes = attrs.get("class", "").split()
        opened = None
        if tag == "div" and "field" in classes and attrs.get("id", "").startswith("field-"):
            opened = Field(attrs["id"].removeprefix("field-"))
            self.fields[opened.name] = opened
        current = opened or self._current()
        role = None
        if current is not None:
            if tag in ("label", "legend") and not current.label or "label" in classes and tag == "span":
                role = "label"
            elif tag == "p" and "error" in classes:
                role = "error"
                current.errors.append("")
            elif tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "checkbox"):
                current.controls.append(attrs)
                if tag == "select":
                    attrs["options"] = []
            elif tag == "option" and current.controls and "options" in current.controls[-1]:
                current.controls[-1]["options"].append(attrs.get("value", ""))
            if attrs.get("role") == "group":
                current.group = attrs
        if tag not in VOID:
            self.stack.append((tag, opened, role))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _f, _r = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        current = self._current()
        if current is None:
            return
        if self._inside("error"):
            current.errors[-1] += data.strip()
        elif self._inside("label") and not current.errors:
            current.label += data.strip()


def cleared(fields: dict[str, Field]) -> dict[str, str]:
    """What a browser sends when the user has emptied every box of these fields: each control's name
    with nothing in it, a select's blank option or else its first (unchecked checkboxes send nothing)."""
    data = {}
    for f in fields.values():
        for c in f.controls:
            options = c.get("options")
            data[c["name"]] = "" if options is None or "" in options else options[0]
    return data


def form_fields(html: str) -> dict[str, Field]:
    """The fields of the page's forms by name, with their labels, messages and controls."""
    reader = _FormReader()
    reader.feed(html)
    return reader.fields


def field_errors(html: str) -> dict[str, list[str]]:
    """The messages shown beside each field, for the fields that show any."""
    return {name: f.errors for name, f in form_fields(html).items() if f.errors}
