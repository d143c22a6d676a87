"""The thin-view steps every feature shares: submit a form to a service, run a POST action,
read numbers and page numbers from the query string safely, link to a page with its query."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from urllib.parse import quote, urlencode

from flask import current_app, flash, g, render_template, request, url_for

from ..extensions import db
from .errors import DomainError
from .numbers import PAGE
from .pagination import Page, last_page, paginate


def submit_form(
    form, action: Callable[[], object], success: str | None, check: Callable[[], None] | None = None
):
    """Validate `form`, run `action()`; on a DomainError roll back and show the messages beside
    the fields; on success commit and flash `success` (None: the caller flashes).

    `check()` is the service's own validation of the same input (it raises DomainError and changes
    nothing). It runs even when the form's validators refuse, so that the user reads every message
    in one round, not the form's first and the service's on the next submit; a field the form
    already refused keeps the form's message only.

    Returns (True, what the action returned) when committed, else (False, None)."""
    if not form.is_submitted():
        return False, None
    if not form.validate():
        if check is not None:
            try:
                check()
            except DomainError as exc:
                apply_to_form(form, exc, skip_refused=True)
        return False, None
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        apply_to_form(form, exc)
        return False, None
    db.session.commit()
    if success:
        flash(success, "success")
    return True, result


def apply_to_form(form, error: DomainError, skip_refused: bool = False) -> None:
    """Attach service errors to the matching WTForms fields (or the form's top when unknown);
    with `skip_refused`, not to fields that already show a message."""
    for field, message in error.errors:
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            if skip_refused and target.errors:
                continue
            target.errors = list(target.errors) + [message]
        elif message not in form.form_errors:
            form.form_errors.append(message)


def perform(action: Callable[[], object], success: str) -> bool:
    """A POST button without a form (submit, publish, contact …): run the service, commit and flash
    `success`, or roll back and flash the refusal. Returns whether it was committed."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash("；".join(message for _field, message in exc.errors), "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def float_arg(name: str, limit: float = 1e12) -> float | None:
    """A finite number from the query string, or None for anything else (text, NaN, absurd sizes)."""
    try:
        value = float(request.args.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) < limit else None


def int_arg(name: str) -> int | None:
    """An id from the query string (at most 9 digits), or None for anything else."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def page_arg(name: str = "page") -> int:
    """The requested page number (query parameter `name`: a page with two tables pages each), 1 when
    missing or invalid."""
    page = request.args.get(name, 1, type=int) or 1
    return max(PAGE.minimum, min(page, PAGE.maximum))


def page_size() -> int:
    return current_app.config["PAGE_SIZE"]


def page_of(stmt, param: str = "page", size: str = "PAGE_SIZE", **cache) -> Page:
    """The requested page of `stmt` for a page people read (past the end: the last page); `param`: the
    page number's query parameter, `size`: the setting of rows per page; `cache`: `key`, `remember`
    and `total` (see `pagination.paginate`)."""
    return paginate(stmt, page_arg(param), current_app.config[size], clamp=True, **cache)


def status_list(template: str, statuses: dict, query_for: Callable[[str | None], object]):
    """An administrators' list with a tab per state: `?status=` one of `statuses` (anything else: all).
    `query_for(status or None)` gives the statement; the template gets `page`, `status`, `link_params`."""
    status = request.args.get("status", "")
    status = status if status in statuses else ""
    return render_template(
        template,
        page=page_of(query_for(status or None)),
        status=status,
        link_params={"status": status} if status else {},
    )


def page_of_list(items: list, param: str = "page", size: str = "PAGE_SIZE") -> Page:
    """`page_of` for a list already in memory (e.g. gathered from several features)."""
    per_page = current_app.config[size]
    page = max(1, min(page_arg(param), last_page(len(items), per_page)))
    start = (page - 1) * per_page
    return Page(items[start : start + per_page], len(items), page, per_page)


def query_url(endpoint: str, keep: Iterable[str] = (), **values) -> str:
    """A link to `endpoint` carrying over the current query parameters named in `keep`, and only those,
    with `values` set over them (None or "" drops one). Templates use it for pagers, facets and
    sorting; never pass `request.args` itself to `url_for`, which reads names such as `endpoint`,
    `_method`, `_scheme` or `_external` as instructions (500, or links to another scheme).

    A page holds dozens of such links that differ in their query only: the path is built by `url_for`
    once per request and path values, the query encoded as werkzeug encodes it."""
    args = {name: request.args.get(name) for name in keep}
    args.update(values)
    args = {name: value for name, value in args.items() if value not in (None, "")}
    anchor = args.pop("_anchor", None)
    if any(name.startswith("_") for name in args):  # url_for's other instructions (_external …)
        return url_for(endpoint, _anchor=anchor, **args)
    in_path = _rule_arguments(endpoint)
    path_values = {name: args.pop(name) for name in list(args) if name in in_path}
    paths = g.setdefault("query_url_paths", {})
    key = (endpoint, tuple(path_values.items()))
    if key not in paths:
        paths[key] = url_for(endpoint, **path_values)
    url = paths[key] + ("?" + urlencode(list(args.items()), safe="!$'()*,/:;?@") if args else "")
    return url + ("#" + quote(anchor, safe="%!#$&'()*+,/:;=?@") if anchor else "")


def _rule_arguments(endpoint: str) -> frozenset[str]:
    """The names the URL rules of `endpoint` take in their path (the rest goes to the query)."""
    known = current_app.extensions.setdefault("rule_arguments", {})
    if endpoint not in known:
        rules = current_app.url_map.iter_rules(endpoint)
        known[endpoint] = frozenset(name for rule in rules for name in rule.arguments)
    return known[endpoint]
