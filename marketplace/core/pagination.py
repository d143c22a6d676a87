"""A page of results, shared by the catalogue, search and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from ..extensions import db


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


def paginate(stmt: Select, page: int, per_page: int, *, clamp: bool = False) -> Page:
    """Run `stmt` for one page, with the total count of rows. With `clamp` (pages for people) a page
    past the end shows the last one; without (the API) it is empty, so clients stop there."""
    per_page = max(1, min(per_page, 100))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, min(page, last_page(total, per_page)) if clamp else page)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)
