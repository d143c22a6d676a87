"""Offering forms: one form, with the fields of each kind shown for that kind."""

import re

from markupsafe import Markup, escape
from wtforms import BooleanField, DecimalField, Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from .. import vocab
from ..core.forms import CheckboxListField, Form, choices
from .models import ALL_KIND_FIELDS, BOOKING_FIELDS, NUMBERS

REQUIRED = "此项为必填项。"
NUMBER = "请输入数字。"


SPEC_NAME_MAX = 50
SPEC_VALUE_MAX = 200
#: The separators people write between a spec's name and value: "容积: 500 L", "容积：500 L", "容积=500L".
#: Without one, the first space separates them: "容积 500 L".
_SEPARATOR = re.compile(r"[:：=＝]")
SPEC_EXAMPLE = "请写成“名称: 数值”，如“容积: 500 L”。"


def parse_specs(text: str) -> tuple[dict[str, str], list[str]]:
    """Spec lines to an ordered dict, and one message per line that cannot be read as it was
    written (nothing is dropped or cut without saying so). Blank lines are skipped."""
    specs: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        found = _SEPARATOR.search(line)
        if found:
            name, value = line[: found.start()].strip(), line[found.end() :].strip()
        else:
            parts = line.split(maxsplit=1)
            name, value = parts[0], parts[1] if len(parts) > 1 else ""
        shown = line if len(line) <= 20 else line[:20] + "…"
        if not name or not value:
            problems.append(f"第 {number} 行“{shown}”缺少{'名称' if not name else '数值'}：{SPEC_EXAMPLE}")
        elif len(name) > SPEC_NAME_MAX:
            problems.append(f"第 {number} 行：参数名称不能超过 {SPEC_NAME_MAX} 个字符。")
        elif len(value) > SPEC_VALUE_MAX:
            problems.append(f"第 {number} 行：参数数值不能超过 {SPEC_VALUE_MAX} 个字符。")
        elif name in specs:
            problems.append(f"第 {number} 行：参数“{name}”与前面重复。")
        else:
            specs[name] = value
    return specs, problems


def format_specs(specs: dict | None) -> str:
    return "\n".join(f"{k}: {v}" for k, v in (specs or {}).items())


class SpecsField(TextAreaField):
    """Key specs as lines of text in the form, a name → value dict as data. A line that cannot be
    read is refused with its line number, never dropped."""

    problems: list[str] = []

    def _value(self):
        return self.raw_data[0] if self.raw_data else format_specs(self.data)

    def process_formdata(self, valuelist):
        self.data, self.problems = parse_specs(valuelist[0] if valuelist else "")

    def pre_validate(self, form):
        if self.problems:
            self.errors.extend(self.problems)
            raise StopValidation()


#: How a weekday's opening is written: "全天", "休息" (or blank), or intervals "08:30-12:00, 13:30-17:30".
ALL_DAY, CLOSED = "全天", "休息"
_INTERVAL = re.compile(r"(\d{1,2})(?:[:：](\d{2}))?\s*[-–—~～至到]\s*(\d{1,2})(?:[:：](\d{2}))?")
_INTERVAL_SEPARATORS = re.compile(r"[,，;；、]+")
OPENING_EXAMPLE = "请写成“08:30-17:30”，多段用逗号分隔，或填“全天”“休息”。"


def parse_day_hours(text: str, weekday: int) -> tuple[list[dict], str | None]:
    """One weekday's opening as written in the form → rules, or a message naming the day."""
    text = (text or "").strip()
    if text in ("", CLOSED):
        return [], None
    if text == ALL_DAY:
        return [{"weekday": weekday, "start": "00:00", "end": "24:00"}], None
    rules = []
    for piece in (p.strip() for p in _INTERVAL_SEPARATORS.split(text)):
        shown = piece if len(piece) <= 20 else piece[:20] + "…"
        found = list(_INTERVAL.finditer(piece))
        starts, ends = [0] + [m.end() for m in found], [m.start() for m in found] + [len(piece)]
        gaps = [piece[a:b] for a, b in zip(starts, ends, strict=True)]
        if piece and (not found or any(g.strip() for g in gaps)):
            return [], f"{vocab.WEEKDAYS[weekday]}：无法识别“{shown}”。{OPENING_EXAMPLE}"
        for m in found:
            h1, m1, h2, m2 = (int(g or 0) for g in m.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
                return [], f"{vocab.WEEKDAYS[weekday]}：“{m.group(0)}”不是有效的时间。"
            if (h2, m2) <= (h1, m1):
                return [], f"{vocab.WEEKDAYS[weekday]}：“{m.group(0)}”的结束时间应晚于开始时间。"
            rules.append({"weekday": weekday, "start": f"{h1:02d}:{m1:02d}", "end": f"{h2:02d}:{m2:02d}"})
    return rules, None


def format_day_hours(rules: list[dict], weekday: int) -> str:
    """The rules of one weekday as the form shows them ("全天", "08:30-17:30, …", or "")."""
    own = sorted((r for r in rules or [] if r.get("weekday") == weekday), key=lambda r: r["start"])
    if [(r["start"], r["end"]) for r in own] == [("00:00", "24:00")]:
        return ALL_DAY
    return ", ".join(f"{r['start']}-{r['end']}" for r in own)


def _week_hours_widget(field, **kwargs):
    """A row per weekday (label + text input with quick choices); works without JavaScript."""
    presets = f"{field.id}-presets"
    rows = []
    for day, name in enumerate(vocab.WEEKDAYS):
        input_id = f"{field.id}-{day}"
        rows.append(
            Markup(
                '<div class="week-row"><label for="{0}">{1}</label>'
                '<input type="text" id="{0}" name="{2}" value="{3}" list="{4}" maxlength="100"'
                ' autocomplete="off"{5}></div>'
            ).format(
                input_id,
                name,
                f"{field.name}-{day}",
                field.rows[day],
                presets,
                Markup(' aria-invalid="true"') if field.errors else "",
            )
        )
    options = "".join(
        f'<option value="{escape(v)}">' for v in (ALL_DAY, CLOSED, "08:30-17:30", "08:30-12:00, 13:30-17:30")
    )
    group = Markup('<div class="week-hours" id="{0}" role="group">{1}<datalist id="{2}">{3}</datalist></div>')
    return group.format(field.id, Markup("").join(rows), presets, Markup(options))


class WeekHoursField(Field):
    """Weekly opening hours as seven text rows (Monday first), a list of
    {"weekday", "start", "end"} rules as data. A row that cannot be read is refused, naming its day."""

    widget = staticmethod(_week_hours_widget)

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.rows = [""] * 7
        self.problems: list[str] = []

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.raw_data = None
        keys = [f"{self.name}-{day}" for day in range(7)]
        if formdata is not None and any(k in formdata for k in keys):
            self.rows = [(formdata.get(k) or "").strip()[:100] for k in keys]
            self.raw_data = list(self.rows)
            self.data, self.problems = [], []
            for day, text in enumerate(self.rows):
                rules, problem = parse_day_hours(text, day)
                self.data += rules
                if problem:
                    self.problems.append(problem)
        else:
            if data is unset_value or data is None:
                data = self.default or []
            self.data = list(data)
            self.rows = [format_day_hours(self.data, day) for day in range(7)]

    def pre_validate(self, form):
        if self.problems:
            self.errors.extend(self.problems)
            raise StopValidation()


class OfferingForm(Form):
    kind = SelectField("资源类型", choices=choices(vocab.OFFERING_KINDS), validators=[DataRequired(REQUIRED)])
    title = StringField(
        "名称", validators=[DataRequired(REQUIRED), Length(max=200, message="不能超过 200 个字符。")]
    )
    description = TextAreaField("详细说明", validators=[Length(max=10000, message="不能超过 10000 个字符。")])
    domains = CheckboxListField(
        "适用领域", choices=choices(vocab.DOMAINS), validators=[DataRequired("请至少选择一个领域。")]
    )
    specs = SpecsField("技术参数（每行一项，如“容积: 500 L”）")
    price_amount = DecimalField(
        "价格（元）",
        places=2,
        validators=[Optional(), NUMBERS["price_amount"].wtforms()],
        render_kw={"inputmode": "decimal"},
    )
    price_unit = SelectField("计价单位", choices=choices(vocab.PRICE_UNITS, blank="面议"), default="")
    lead_time_days = IntegerField(
        "交付周期（天）",
        validators=[Optional(), NUMBERS["lead_time_days"].wtforms()],
    )
    # booking settings (equipment, sites and process lines; services are reached by inquiry)
    is_bookable = BooleanField("可在线预约")
    booking_capacity = IntegerField(
        "可同时预约数量（台/套）",
        default=1,
        validators=[Optional(), NUMBERS["booking_capacity"].wtforms()],
        render_kw={"inputmode": "numeric"},
    )
    auto_confirm = BooleanField("即时预约（企业提交即确认，无需人工受理）")
    min_notice_hours = IntegerField(
        "最短提前预约（小时）",
        default=24,
        validators=[Optional(), NUMBERS["min_notice_hours"].wtforms()],
        render_kw={"inputmode": "numeric"},
    )
    max_advance_days = IntegerField(
        "最长提前预约天数",
        default=180,
        validators=[Optional(), NUMBERS["max_advance_days"].wtforms()],
        render_kw={"inputmode": "numeric"},
    )
    min_hours = DecimalField(
        "最短预约时长（小时）",
        validators=[Optional(), NUMBERS["min_hours"].wtforms()],
        render_kw={"inputmode": "decimal"},
    )
    max_hours = DecimalField(
        "最长预约时长（小时）",
        validators=[Optional(), NUMBERS["max_hours"].wtforms()],
        render_kw={"inputmode": "decimal"},
    )
    opening_hours = WeekHoursField("每周开放时间")
    # equipment
    model = StringField("设备型号", validators=[Length(max=100)])
    capacity = StringField("处理能力 / 容量", validators=[Length(max=100)])
    quantity = IntegerField("数量（台/套）", validators=[Optional(), NUMBERS["quantity"].wtforms()])
    # site
    area_m2 = DecimalField("面积（㎡）", validators=[Optional(), NUMBERS["area_m2"].wtforms()])
    cleanroom_class = SelectField("洁净级别", choices=choices(vocab.CLEANROOM_CLASSES, blank="—"), default="")
    is_explosion_proof = BooleanField("防爆")
    allows_hazardous_chemicals = BooleanField("允许使用危险化学品")
    # service
    service_type = SelectField("服务类型", choices=choices(vocab.SERVICE_TYPES, blank="—"), default="")
    # process
    scale = StringField("规模", validators=[Length(max=100)])
    output = StringField("产出 / 产能", validators=[Length(max=100)])

    def to_data(self) -> dict:
        """The form as service input (model field names, plain Python values)."""
        amount = self.price_amount.data
        return {
            "kind": self.kind.data,
            "title": self.title.data or "",
            "description": self.description.data or "",
            "domains": self.domains.data or [],
            "specs": self.specs.data or {},
            "price_amount": None if amount is None else float(amount),
            "price_unit": self.price_unit.data or None,
            "lead_time_days": self.lead_time_days.data,
            "model": self.model.data or None,
            "capacity": self.capacity.data or None,
            "quantity": self.quantity.data,
            "area_m2": float(self.area_m2.data) if self.area_m2.data is not None else None,
            "cleanroom_class": self.cleanroom_class.data or None,
            "is_explosion_proof": bool(self.is_explosion_proof.data),
            "allows_hazardous_chemicals": bool(self.allows_hazardous_chemicals.data),
            "service_type": self.service_type.data or None,
            "scale": self.scale.data or None,
            "output": self.output.data or None,
            **self.booking_data(),
        }

    def booking_data(self) -> dict:
        """The booking settings as service input. A blank number of a bookable offering is passed on as
        None (the service asks for it); of an offering that is not bookable, it leaves the setting as is."""
        bookable = bool(self.is_bookable.data)
        data = {
            "is_bookable": bookable,
            "auto_confirm": bool(self.auto_confirm.data),
            "min_hours": None if self.min_hours.data is None else float(self.min_hours.data),
            "max_hours": None if self.max_hours.data is None else float(self.max_hours.data),
        }
        for name in ("booking_capacity", "min_notice_hours", "max_advance_days"):
            value = getattr(self, name).data
            if value is not None or bookable:
                data[name] = value
        if self.opening_hours.raw_data is not None:  # rows submitted (a form without them keeps the hours)
            data["opening_hours"] = self.opening_hours.data
        return data

    def load(self, offering) -> None:
        for name in ("kind", "title", "description", "domains", "specs", "lead_time_days", *ALL_KIND_FIELDS):
            getattr(self, name).data = getattr(offering, name)
        for name in BOOKING_FIELDS:
            if name != "opening_hours":
                getattr(self, name).data = getattr(offering, name)
        self.opening_hours.process(None, offering.effective_opening_hours if offering.is_bookable else [])
        self.price_amount.data = offering.price_amount
        self.price_unit.data = offering.price_unit or ""
