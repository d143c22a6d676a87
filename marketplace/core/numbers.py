"""The one rule for numbers people type or send: finite, within sensible bounds, refused with a
message that names the field.

A feature declares `Bounds` once per number it stores (an offering's price, a demand's TRL …) and
checks them in its service's `validate` with `check_numbers`: the services are the final authority,
since forms, the API and the zhongshi/v1 import all go through them. Forms (`Bounds.wtforms`) and
API schemas (`Bounds.marshmallow`) apply the same bounds earlier, so the message appears beside the
field or names it in the JSON error; both say the same thing.

Why bounds at all: `1e308` or `1e400` (infinity) are numbers to Python and to the databases, but
not prices; stored, they break every later step (sorting keys, the search index, export)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from marshmallow import ValidationError as SchemaValidationError
from marshmallow import validate
from wtforms.validators import NumberRange
from wtforms.validators import ValidationError as FormValidationError

#: The largest amount of money (yuan) the marketplace accepts: prices and budgets (100 亿元).
#: In fen it stays far below the search index's 面议 sort key and 64-bit integers.
MONEY_MAX = 10_000_000_000


def _show(number: float) -> str:
    """1e10 → '100 亿', 1e7 → '1000 万', 3650 → '3650', 0.1 → '0.1'."""
    if number >= 100_000_000 and number % 100_000_000 == 0:
        return f"{number / 100_000_000:g} 亿"
    if number >= 100_000 and number % 10_000 == 0:
        return f"{number / 10_000:g} 万"
    return f"{number:g}"


def _finite_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return False


@dataclass(frozen=True)
class Bounds:
    """What one number may be: `minimum` ≤ value ≤ `maximum`, finite, an integer when `integer`.

    `label` names the field in messages (价格, 技术成熟度 …); `unit` follows the numbers shown
    ("元", " 天")."""

    label: str
    minimum: float
    maximum: float
    unit: str = ""
    integer: bool = False

    @property
    def range_text(self) -> str:
        """'0 到 100 亿元', '1 到 9 ' (a space after a bare number, before the Chinese that follows)."""
        text = f"{_show(self.minimum)} 到 {_show(self.maximum)}{self.unit}"
        return f"{text} " if text[-1].isdigit() else text

    def problem(self, value) -> str | None:
        """The message for `value`, or None when it is acceptable. None (not given) is acceptable:
        whether a number is required is the caller's business."""
        if value is None:
            return None
        if not _finite_number(value):
            return f"{self.label}应为 {self.range_text}之间的有效数字。"
        if self.integer and value != int(value):
            return f"{self.label}应为整数。"
        if value < self.minimum:
            if self.minimum == 0:
                return f"{self.label}不能为负数。"
            return f"{self.label}至少为 {_show(self.minimum)}{self.unit}。"
        if value > self.maximum:
            return f"{self.label}应在 {self.range_text}之间。"
        return None

    def wtforms(self) -> NumberRange:
        """A WTForms validator (after `Optional()`): the message beside the field; the input gets
        `min`/`max` attributes as with WTForms' own NumberRange."""
        return _FormBounds(self)

    def marshmallow(self) -> validate.Range:
        """A marshmallow validator: the API's 422 names the field with this message; the OpenAPI
        document shows the minimum and maximum as with marshmallow's own Range."""
        return _SchemaBounds(self)


class _FormBounds(NumberRange):
    def __init__(self, bounds: Bounds):
        super().__init__(min=bounds.minimum, max=bounds.maximum)
        self.bounds = bounds

    def __call__(self, form, field) -> None:
        message = self.bounds.problem(field.data)
        if message:
            raise FormValidationError(message)


class _SchemaBounds(validate.Range):
    def __init__(self, bounds: Bounds):
        super().__init__(min=bounds.minimum, max=bounds.maximum)
        self.bounds = bounds

    def __call__(self, value):
        message = self.bounds.problem(value)
        if message:
            raise SchemaValidationError(message)
        return value


def check_numbers(data: Mapping, bounds: Mapping[str, Bounds]) -> list[tuple[str, str]]:
    """(field, message) for every number in `data` outside its bounds (for `DomainError`)."""
    return [(field, message) for field, rule in bounds.items() if (message := rule.problem(data.get(field)))]


#: Page numbers and page sizes of lists, on pages and in the API.
PAGE = Bounds("页码", 1, 10_000, integer=True)
PER_PAGE = Bounds("每页条数", 1, 100, integer=True)
