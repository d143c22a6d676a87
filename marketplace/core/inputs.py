"""The input rules every request obeys, whatever reads it: ids in URLs, query strings, forms (the base
`core.forms.Form`), API bodies (the base `api.schemas.ApiSchema`) and imported documents.

- Integers fit the database's integer column (PostgreSQL `integer`): `DB_INT_MIN`..`DB_INT_MAX`.
  Ids in every route are bounded by `IdConverter`, registered as the app's `int` converter, so
  `/offerings/99999999999999999999` is a 404 like any other missing id.
- Text never contains NUL (U+0000): PostgreSQL refuses it and SQLite stores it only to break
  export → import. It is refused with `NUL_MESSAGE`, never stripped silently.
- JSON nested too deeply for the parser is a 400, not a RecursionError.
"""

from __future__ import annotations

from flask import Flask, Request, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

#: The range of an `integer` column on PostgreSQL (every id and integer column of the schema).
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1

NUL_MESSAGE = "不能包含空字符（\\x00）。"
INT_RANGE_MESSAGE = f"数值超出范围（{DB_INT_MIN} 到 {DB_INT_MAX}）。"
JSON_TOO_DEEP_MESSAGE = "JSON 嵌套层数过多。"
INVALID_JSON_MESSAGE = "请求体不是有效的 JSON。"


def has_nul(value) -> bool:
    """Whether `value` (a string, or lists / dicts of them, keys included) contains a NUL character.

    Iterative, so a deeply nested document cannot exhaust the stack here either."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def int_in_range(value: int) -> bool:
    return DB_INT_MIN <= value <= DB_INT_MAX


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: at most 10 digits and within the database's integer range, else the
    route does not match (404). Werkzeug's own converter accepts any number of digits."""

    regex = r"\d{1,10}"

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = DB_INT_MAX, signed=False
    ):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a document nested too deeply is invalid JSON (Flask answers 400)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError(JSON_TOO_DEEP_MESSAGE) from exc


class InputRequest(Request):
    """A body that is not JSON (or nested too deeply) is a 400 saying so in Chinese."""

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:  # not a JSON content type: Flask's 415
            return super().on_json_loading_failed(e)
        raise BadRequest(JSON_TOO_DEEP_MESSAGE if str(e) == JSON_TOO_DEEP_MESSAGE else INVALID_JSON_MESSAGE)


def init_inputs(app: Flask) -> None:
    """Before any route is added: the bounded id converter, the JSON provider and request class."""
    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)
    app.request_class = InputRequest


def refuse_nul_in_url() -> None:
    """A request (before its view) whose path or query string holds a NUL answers 400, naming the
    parameter. Forms and API bodies name the field themselves (see the module docstring)."""
    if "\x00" in request.path:
        abort(400, description=f"网址{NUL_MESSAGE}")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            abort(400, description=f"参数 {name.replace(chr(0), '')}：{NUL_MESSAGE}")
