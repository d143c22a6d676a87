"""Attachment use cases: add, remove, find; who may see or manage them is asked of the owning feature.

A feature registers its owner type once, beside its own permission checks::

    register_owner(Offering, can_view=can_view, can_manage=can_manage,
                   url=lambda offering: url_for("offerings.edit", offering_id=offering.id))

so attachments never imports a feature package. Unregistered owner types: nobody may do anything.
An owner may also declare purposes (a platform's logo, photos and certificate scans): each upload
then names one, a purpose may accept images only, keep a single file, or narrow who sees its files
(`Purpose(can_view=…)` applies on top of the owner's rule)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..core.errors import DomainError, Forbidden, load_permitted
from ..extensions import db
from . import storage
from .models import OWNER_MODELS, Attachment


@dataclass(frozen=True)
class Purpose:
    """What one kind of file of an owner allows (e.g. a platform's 'logo')."""

    images_only: bool = False  #: refuse PDFs (logos and photos are shown as images)
    single: bool = False  #: a new upload replaces the previous file of this purpose
    #: (user, owner) → may see these files; applies on top of the owner's `can_view` (narrows only)
    can_view: Callable[[object, object], bool] | None = None


@dataclass(frozen=True)
class OwnerRules:
    """What the owning feature answers about its attachments."""

    model: type
    can_view: Callable[[object, object], bool]  #: (user, owner) → may see and download its attachments
    can_manage: Callable[[object, object], bool]  #: (user, owner) → may upload and delete them
    url: Callable[[object], str]  #: the owner's page, where upload and delete return to
    #: accepted `purpose` values; when there are any, every upload names one
    purposes: Mapping[str, Purpose] = field(default_factory=dict)
    #: Both sides of a deal attach files to the owner (a booking): each deletes only its own uploads.
    uploader_only: bool = False


_OWNERS: dict[str, OwnerRules] = {}


def register_owner(
    model: type,
    *,
    can_view,
    can_manage,
    url,
    purposes: Mapping[str, Purpose] | Iterable[str] = (),
    uploader_only: bool = False,
) -> None:
    """Declare who may see and manage the attachments of `model` (a `HasAttachments` class), and
    optionally its purposes (names, or names mapped to their `Purpose` rules)."""
    if not isinstance(purposes, Mapping):
        purposes = {name: Purpose() for name in purposes}
    _OWNERS[model.__attachment_owner__] = OwnerRules(
        model, can_view, can_manage, url, dict(purposes), uploader_only
    )


def _rules(owner_type: str) -> OwnerRules | None:
    rules = _OWNERS.get(owner_type)
    return rules if rules is not None and OWNER_MODELS.get(owner_type) is rules.model else None


def _owner_rules(owner) -> OwnerRules | None:
    return _rules(getattr(type(owner), "__attachment_owner__", ""))


def can_attach(user, owner) -> bool:
    """May `user` upload files to `owner`?"""
    rules = _owner_rules(owner)
    return rules is not None and bool(rules.can_manage(user, owner))


def can_view(user, attachment: Attachment) -> bool:
    """May `user` see and download this file? The owner's rule, narrowed by the file's purpose."""
    rules, owner = _rules(attachment.owner_type), attachment.owner
    if rules is None or owner is None or not rules.can_view(user, owner):
        return False
    purpose = rules.purposes.get(attachment.purpose or "")
    return purpose is None or purpose.can_view is None or bool(purpose.can_view(user, owner))


def visible(user, owner, purpose: str | None = None) -> list[Attachment]:
    """The owner's files `user` may see, oldest first; only those of `purpose` when given."""
    return [a for a in owner.attachments if (purpose is None or a.purpose == purpose) and can_view(user, a)]


def can_manage(user, attachment: Attachment) -> bool:
    """May `user` delete this file? Whoever may attach to its owner (only its uploader, where both
    sides of a deal attach)."""
    owner = attachment.owner
    if owner is None or not can_attach(user, owner):
        return False
    return not _owner_rules(owner).uploader_only or attachment.uploaded_by_id == user.id


def owner_url(owner) -> str:
    """The owner's page, as registered by its feature."""
    return _owner_rules(owner).url(owner)


def get_owner(user, owner_type: str, owner_id: int):
    """The owner `user` may attach files to; LookupError when unknown or missing, Forbidden if not allowed."""
    rules = _rules(owner_type)
    if rules is None:
        raise LookupError(owner_type)
    return load_permitted(rules.model, owner_id, lambda owner: can_attach(user, owner))


def get_visible(user, attachment_id: int) -> Attachment:
    """The attachment if `user` may see it; LookupError when missing, Forbidden when not allowed."""
    return load_permitted(Attachment, attachment_id, lambda attachment: can_view(user, attachment))


def get_managed(user, attachment_id: int) -> Attachment:
    """The attachment if `user` may delete it; LookupError when missing, Forbidden when not allowed."""
    return load_permitted(Attachment, attachment_id, lambda attachment: can_manage(user, attachment))


def add_attachment(user, owner, file, purpose: str | None = None) -> Attachment:
    """Check and store an uploaded file (anything with `.filename` and `.read()`, or None) for `owner`.

    The file is written now and removed again if the transaction does not commit."""
    if not can_attach(user, owner):
        raise Forbidden()
    purposes = _owner_rules(owner).purposes
    if (purpose is not None or purposes) and purpose not in purposes:
        raise DomainError(("purpose", "附件用途无效。"))
    data = file.read() if file else b""
    content_type, ext = storage.check(data)
    rule = purposes.get(purpose or "")
    if rule and rule.images_only and not content_type.startswith("image/"):
        raise DomainError(("file", "这里只能上传 PNG、JPEG 或 WebP 图片。"))
    if rule and rule.single:
        for previous in [a for a in owner.attachments if a.purpose == purpose]:
            owner.attachments.remove(previous)  # its file goes after the commit
    attachment = Attachment(
        purpose=purpose,
        uploaded_by_id=getattr(user, "id", None),
        filename=storage.safe_filename(getattr(file, "filename", None)),
        stored_name=storage.save(db.session(), data, ext),
        content_type=content_type,
        size=len(data),
    )
    owner.attachments.append(attachment)  # sets owner_type; owner_id follows at flush
    db.session.flush()
    return attachment


def remove_attachment(user, attachment: Attachment) -> None:
    """Delete the row now; its file goes after the commit."""
    if not can_manage(user, attachment):
        raise Forbidden()
    attachment.owner.attachments.remove(attachment)
    db.session.delete(attachment)
    db.session.flush()
