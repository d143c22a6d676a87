"""Offering forms: one form, with the fields of each kind shown for that kind."""

from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import vocab
from ..core.forms import CheckboxListField, Form, choices
from .models import NUMBERS

REQUIRED = "此项为必填项。"
NUMBER = "请输入数字。"


def parse_specs(text: str) -> dict[str, str]:
    """'容积: 500 L' lines (also '：' or '=') to an ordered dict."""
    specs = {}
    for line in (text or "").splitlines():
        for sep in (":", "：", "="):
            if sep in line:
                name, value = line.split(sep, 1)
                if name.strip():
                    specs[name.strip()[:50]] = value.strip()[:200]
                break
    return specs


def format_specs(specs: dict | None) -> str:
    return "\n".join(f"{k}: {v}" for k, v in (specs or {}).items())


class OfferingForm(Form):
    kind = SelectField("资源类型", choices=choices(vocab.OFFERING_KINDS))
    title = StringField(
        "名称", validators=[DataRequired(REQUIRED), Length(max=200, message="不能超过 200 个字符。")]
    )
    description = TextAreaField("详细说明", validators=[Length(max=10000, message="不能超过 10000 个字符。")])
    domains = CheckboxListField("适用领域", choices=choices(vocab.DOMAINS))
    specs_text = TextAreaField("技术参数（每行一项，如“容积: 500 L”）", validators=[Length(max=5000)])
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
    is_bookable = BooleanField("可在线预约")
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
        negotiable = not self.price_unit.data
        return {
            "kind": self.kind.data,
            "title": self.title.data or "",
            "description": self.description.data or "",
            "domains": self.domains.data or [],
            "specs": parse_specs(self.specs_text.data),
            "price_amount": None if negotiable or amount is None else float(amount),
            "price_unit": None if negotiable else self.price_unit.data,
            "lead_time_days": self.lead_time_days.data,
            "is_bookable": bool(self.is_bookable.data),
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
        for name in (
            "kind",
            "title",
            "description",
            "domains",
            "lead_time_days",
            "is_bookable",
            "model",
            "capacity",
            "quantity",
            "area_m2",
            "cleanroom_class",
            "is_explosion_proof",
            "allows_hazardous_chemicals",
            "service_type",
            "scale",
            "output",
        ):
            getattr(self, name).data = getattr(offering, name)
        self.specs_text.data = format_specs(offering.specs)
        self.price_amount.data = offering.price_amount
        self.price_unit.data = offering.price_unit or ""
