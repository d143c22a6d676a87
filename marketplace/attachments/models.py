"""One attachment table for every owner, and the mixin that gives an owner its attachments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import ClassVar

from sqlalchemy import ForeignKey, Integer, String, and_, event, inspect, or_, select
from sqlalchemy.orm import Mapped, declared_attr, foreign, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value

from ..core.hooks import after_commit
from ..core.models import UTCDateTime, utcnow
from ..extensions import db
from . import storage

#: Owner type name → model class, filled by `HasAttachments` subclasses.
OWNER_MODELS: dict[str, type] = {}


class Attachment(db.Model):
    """An image or PDF stored under a generated name outside static/, owned by any `HasAttachments` row."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(40))  #: the owner's `__attachment_owner__`, e.g. offering
    owner_id: Mapped[int] = mapped_column(Integer)  #: the owner's id (no foreign key: owners are many tables)
    purpose: Mapped[str | None] = mapped_column(String(20))  #: e.g. photo | logo | certificate | evidence
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))  #: the uploader's name, for display only
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  #: random name under UPLOAD_DIR
    content_type: Mapped[str] = mapped_column(String(50))  #: recognised from the content, never declared
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        db.Index("ix_attachments_owner", "owner_type", "owner_id"),
        # Never reuse the id of a deleted file (SQLite would): an old link must not open another file.
        {"sqlite_autoincrement": True},
    )

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def owner(self):
        """The owning row (None when its type is unknown or the row is gone)."""
        model = OWNER_MODELS.get(self.owner_type)
        return db.session.get(model, self.owner_id) if model else None


def load_attachments(owners: Iterable) -> None:
    """Load the `attachments` of many owners, of any `HasAttachments` types, with one query (a page of
    cards and their platforms' logos), instead of one query per owner or per owner type; owners whose
    attachments are loaded already are left alone."""
    wanted: dict[tuple[str, int], object] = {}
    for owner in owners:
        if "attachments" in inspect(owner).unloaded:
            wanted[(owner.__attachment_owner__, owner.id)] = owner
    if not wanted:
        return
    by_type: dict[str, list[int]] = {}
    for owner_type, owner_id in wanted:
        by_type.setdefault(owner_type, []).append(owner_id)
    found: dict[tuple[str, int], list[Attachment]] = {key: [] for key in wanted}
    condition = or_(
        *(and_(Attachment.owner_type == t, Attachment.owner_id.in_(ids)) for t, ids in by_type.items())
    )
    for attachment in db.session.scalars(select(Attachment).where(condition).order_by(Attachment.id)):
        found[(attachment.owner_type, attachment.owner_id)].append(attachment)
    for key, owner in wanted.items():
        set_committed_value(owner, "attachments", found[key])


class HasAttachments:
    """Mixin for owners: set `__attachment_owner__ = "offering"` and get an ordered `attachments`
    collection; attachments are deleted with their owner and their files removed after the commit."""

    __attachment_owner__: ClassVar[str]

    def __init_subclass__(cls, **kwargs):
        owner_type = cls.__dict__.get("__attachment_owner__")
        if owner_type:
            if OWNER_MODELS.get(owner_type, cls) is not cls:
                raise TypeError(f"attachment owner type {owner_type!r} is already used")
            OWNER_MODELS[owner_type] = cls
        super().__init_subclass__(**kwargs)

    @declared_attr
    def attachments(cls) -> Mapped[list[Attachment]]:
        owner_type = cls.__attachment_owner__
        return relationship(
            Attachment,
            primaryjoin=lambda: and_(
                foreign(Attachment.owner_id) == cls.id, Attachment.owner_type == owner_type
            ),
            cascade="all, delete-orphan",
            order_by=Attachment.id,
            overlaps="attachments",  # every owner writes owner_id; the owner_type condition keeps them apart
        )

    def attachments_for(self, purpose: str) -> list[Attachment]:
        """This owner's files of one purpose (e.g. a platform's photos), oldest first."""
        return [a for a in self.attachments if a.purpose == purpose]

    def first_image(self, *purposes: str) -> Attachment | None:
        """The first image among this owner's files (of the first of `purposes` that has one, if given)."""
        for purpose in purposes or (None,):
            for a in self.attachments:
                if a.is_image and (purpose is None or a.purpose == purpose):
                    return a
        return None


@event.listens_for(HasAttachments, "mapper_configured", propagate=True)
def _set_owner_type_on_append(mapper, cls) -> None:
    @event.listens_for(cls.attachments, "append")
    def _append(owner, attachment, initiator):
        attachment.owner_type = type(owner).__attachment_owner__


@event.listens_for(Attachment, "after_delete")
def _remove_file_after_commit(mapper, connection, attachment: Attachment) -> None:
    """A deleted row's file goes once the deletion is committed, never before (a rollback keeps it)."""
    session = object_session(attachment)
    after_commit(session, partial(storage.remove, [storage.path_of(attachment.stored_name)]))
