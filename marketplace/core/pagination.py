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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt: Select, page: int, per_page: int) -> Page:
    """Run `stmt` for one page, with the total count of rows."""
    page = max(1, page)
    per_page = max(1, min(per_page, 100))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)
