"""Offering forms: one form, with the fields of each kind shown for that kind."""

import re

from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from .. import vocab
from ..core.forms import CheckboxListField, Form, choices
from .models import ALL_KIND_FIELDS, NUMBERS

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
    # No "bookable" box until online booking exists: offering it would promise what the site cannot do.
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
        }

    def load(self, offering) -> None:
        for name in ("kind", "title", "description", "domains", "specs", "lead_time_days", *ALL_KIND_FIELDS):
            getattr(self, name).data = getattr(offering, name)
        self.price_amount.data = offering.price_amount
        self.price_unit.data = offering.price_unit or ""
