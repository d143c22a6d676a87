"""Label lists (domains, certifications, kinds, cities) stored one row per label, so SQL can filter,
group and count them.

    class Offering(db.Model):
        domains = Labels("offering_domains")

declares the table `offering_domains` (owner_id, value, position; primary key (owner_id, value),
index on value), a relationship `Offering.domains_rows` loaded with "selectin" (one query per list
attribute for a whole page of owners, never one per owner) and `offering.domains`, a plain list in
the user's order: read it, assign a new list to it. In SQL, `Offering.domains.has(label)` is an
EXISTS condition and `Offering.domains.row` is the row model to join or group by.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, ForeignKey, Integer, String, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from .bulk import insert_rows
from .models import utcnow

#: Longest label: the whole '|a|b|' column of earlier versions, so every stored label still fits.
MAX_LABEL_LENGTH = 500


class LabelRow:
    """Columns shared by every label table; `owner_id` is added per owner."""

    value: Mapped[str] = mapped_column(String(MAX_LABEL_LENGTH), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  #: 0, 1, … in the user's order


class Labels:
    """A list of labels of a model, kept in its own table (see the module docstring)."""

    def __init__(self, table: str):
        self.table = table

    def __set_name__(self, owner: type, name: str) -> None:
        # Runs while the owner class is being built, before SQLAlchemy maps it, so the relationship
        # set here is mapped with the owner's own columns.
        self.owner, self.name, self.rows_attr = owner, name, f"{name}_rows"
        owner_fk = ForeignKey(f"{owner.__tablename__}.id", ondelete="CASCADE")
        self.row = type(
            f"{owner.__name__}{name.title().replace('_', '')}Row",
            (LabelRow, db.Model),
            {
                "__module__": owner.__module__,
                "__tablename__": self.table,
                "__doc__": f"One label of {owner.__name__}.{name}.",
                "owner_id": mapped_column(owner_fk, primary_key=True),
            },
        )
        setattr(
            owner,
            self.rows_attr,
            relationship(self.row, order_by=self.row.position, cascade="all, delete-orphan", lazy="selectin"),
        )

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return [row.value for row in getattr(obj, self.rows_attr)]

    def __set__(self, obj, values) -> None:
        """Replace the list: kept labels keep their row, duplicates and empty labels are dropped.

        A change bumps the owner's `updated_at`, as editing a column would, so the owner is
        re-indexed and its search document version moves."""
        wanted = _cleaned(values)
        rows = getattr(obj, self.rows_attr)
        if [row.value for row in rows] == wanted:
            return
        by_value = {row.value: row for row in rows}
        new_rows = []
        for position, value in enumerate(wanted):
            row = by_value.get(value) or self.row(value=value)
            row.position = position
            new_rows.append(row)
        setattr(obj, self.rows_attr, new_rows)
        if hasattr(type(obj), "updated_at"):
            obj.updated_at = utcnow()

    def insert_rows(self, lists: Iterable[tuple[int, Iterable[str] | None]]) -> None:
        """Write the lists of new owners, given as (owner id, labels), in one executemany INSERT (bulk
        imports): the rows assigning each list would write, without loading anything."""
        rows = [
            {"owner_id": owner_id, "value": value, "position": position}
            for owner_id, values in lists
            for position, value in enumerate(_cleaned(values))
        ]
        insert_rows(self.row.__table__, rows)

    def load(self, owners: Iterable) -> None:
        """Load the lists of many owners with one plain query (a page of cards), where the relationship's
        "selectin" would build its own; owners whose list is loaded already are left alone."""
        wanted = {owner.id: owner for owner in owners if self.rows_attr in inspect(owner).unloaded}
        if not wanted:
            return
        found: dict[int, list] = {owner_id: [] for owner_id in wanted}
        rows = select(self.row).where(self.row.owner_id.in_(wanted)).order_by(self.row.position)
        for row in db.session.scalars(rows):
            found[row.owner_id].append(row)
        for owner_id, owner in wanted.items():
            set_committed_value(owner, self.rows_attr, found[owner_id])

    def has(self, label: str) -> ColumnElement[bool]:
        """SQL condition: the owner's list contains exactly `label` (no pattern characters)."""
        return getattr(self.owner, self.rows_attr).any(self.row.value == label)


def _cleaned(values) -> list[str]:
    """A list as stored: text, in the given order, without duplicates or empty labels."""
    labels = (str(v) for v in values or () if v is not None)
    return list(dict.fromkeys(label for label in labels if label))
