"""A page of results, shared by the catalogue, search and the API."""

from __future__ import annotations

from dataclasses import dataclass


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
