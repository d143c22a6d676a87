"""A page of results, shared by the catalogue, search and the API."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db

#: `remember(key, compute)`: a value kept for `key`, else `compute()` (e.g. a versioned cache).
Remember = Callable[[Hashable, Callable[[], Any]], Any]


@dataclass
class Page:
    """One page of results: `items`, `total`, `page`, `per_page` (as the API returns it)."""

    items: list
    total: int
    page: int
    per_page: int

    def map(self, fn) -> Page:
        """The same page with `fn(item)` for each item (rows → what the API answers)."""
        return Page([fn(item) for item in self.items], self.total, self.page, self.per_page)

    @property
    def pages(self) -> int:
        return last_page(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def paginate(
    stmt: Select,
    page: int,
    per_page: int,
    *,
    clamp: bool = False,
    key: Hashable = None,
    remember: Remember | None = None,
    total: int | None = None,
) -> Page:
    """Run `stmt` for one page, with the total count of rows. With `clamp` (pages for people) a page
    past the end shows the last one; without (the API) it is empty, so clients stop there.

    With a `key` (naming the statement: its filters and order) `stmt` selects one mapped entity with
    an `id`: the page's ids are found by a narrow query (an index can answer it, a sort moves ids, not
    whole rows), then those rows are loaded with the statement's options. `remember` may keep the
    total and the page's ids under `key` (values of a cache invalidated by every change of the rows).
    `total`: the number of rows, when the caller has counted them already (with its other counts)."""
    per_page = max(1, min(per_page, 100))
    if key is None:
        if total is None:
            total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        page = max(1, min(page, last_page(total, per_page)) if clamp else page)
        items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
        return Page(items=items, total=total, page=page, per_page=per_page)
    remember = remember or _compute
    entity = stmt.column_descriptions[0]["entity"]
    ids_stmt = stmt.with_only_columns(entity.id)
    if total is None:
        total = remember((key, "total"), lambda: _count(ids_stmt))
    page = max(1, min(page, last_page(total, per_page)) if clamp else page)
    offset = (page - 1) * per_page
    ids = remember((key, offset, per_page), lambda: _ids(ids_stmt, offset, per_page))
    return Page(items=_rows_in_order(stmt, entity, ids), total=total, page=page, per_page=per_page)


def _compute(key: Hashable, compute: Callable[[], Any]) -> Any:
    return compute()


def _count(ids_stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(ids_stmt.order_by(None).subquery())) or 0


def _ids(ids_stmt: Select, offset: int, limit: int) -> tuple[int, ...]:
    return tuple(db.session.scalars(ids_stmt.limit(limit).offset(offset)))


def _rows_in_order(stmt: Select, entity, ids: tuple[int, ...]) -> list:
    """The rows of `ids` (through `stmt`, so with its loader options), in the order of `ids`."""
    if not ids:
        return []
    rows = {row.id: row for row in db.session.scalars(stmt.where(entity.id.in_(ids)).order_by(None))}
    return [rows[i] for i in ids if i in rows]
