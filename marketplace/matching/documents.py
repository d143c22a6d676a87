"""Turn database rows into index documents. Only public rows become documents.

The features build their own documents (their search.py registers a DocumentSource); this module
holds the fields every document shares and walks the registry for rebuilds and outbox work."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import registry

NEGOTIABLE_SORT = 10**15  #: price key (fen) of 面议: sorts after every priced offering


def price_key(amount: float | None) -> int:
    """Price as whole fen for the sortable index column (Whoosh's float columns are broken)."""
    return NEGOTIABLE_SORT if amount is None else int(round(amount * 100))


def price_fields(amount: float | None) -> dict:
    """Index columns for a price: ascending key, descending key (面议 last in both), display value."""
    key = price_key(amount)
    return {"price": key, "price_desc": NEGOTIABLE_SORT if amount is None else -key, "price_yuan": amount}


def content_text(title: str, specs: str, body: str, context: str) -> str:
    """The searchable text: title ×3, specs ×2, description and context once."""
    return " ".join([title] * 3 + [specs] * 2 + [body, context])


def doc_key(doc_type: str, obj_id: int) -> str:
    return f"{doc_type}:{obj_id}"


def stamp(*moments) -> str:
    """A document's version: the latest change of any row it is built from."""
    return max(m for m in moments if m is not None).isoformat()


def base_fields(
    doc_type: str,
    obj_id: int,
    *,
    title: str,
    specs: str = "",
    body: str = "",
    context: str = "",
    version: str,
    created: int,
    ref: str | None,
) -> dict:
    """The fields every document has; a feature adds its facets, price and structured attributes."""
    return {
        "id": doc_key(doc_type, obj_id),
        "doc_type": doc_type,
        "obj_id": obj_id,
        "version": version,
        "title": title,
        "specs": specs,
        "body": body,
        "content": content_text(title, specs, body, context),
        "domain": "",
        "kind": "",
        "city": "",
        "level": "",
        "certs": "",
        **price_fields(None),
        "price_unit": "",
        "created": created,
        "platform_id": 0,
        "platform_name": "",
        "ref": ref or "",
        "volumes": [],
        "masses": [],
    }


def _public_rows(session: Session, source: registry.DocumentSource, ids: Iterable[int] | None = None):
    stmt = select(source.model).options(*source.options()).where(source.public()).order_by(source.model.id)
    if ids is None:
        yield from session.scalars(stmt)
        return
    ids = sorted(ids)
    for start in range(0, len(ids), 1000):  # bounded IN lists (SQLite's variable limit)
        yield from session.scalars(stmt.where(source.model.id.in_(ids[start : start + 1000])))


def all_documents(session: Session) -> Iterator[dict]:
    """Every document the index should hold, straight from the database."""
    for source in registry.sources():
        for row in _public_rows(session, source):
            yield source.build(row)


def documents_for(session: Session, keys: list[tuple[str, int]]) -> tuple[list[dict], set[str]]:
    """For changed (doc_type, id) pairs: the documents to (re)write, and every key they touch.

    A change touches its own document and those built from it (a platform's name, city, level and
    approval are part of each of its offerings' documents); touched keys whose row is no longer
    public are deleted from the index."""
    by_type: dict[str, set[int]] = {}
    for doc_type, obj_id in keys:
        by_type.setdefault(doc_type, set()).add(obj_id)
    changed = {t: sorted(ids) for t, ids in by_type.items()}
    for source in registry.sources():
        for other, affected in source.built_from.items():
            if changed.get(other):
                by_type.setdefault(source.doc_type, set()).update(affected(session, changed[other]))
    touched = {doc_key(t, i) for t, ids in by_type.items() for i in ids}
    docs: list[dict] = []
    for doc_type, ids in by_type.items():
        source = registry.source(doc_type)
        if source is not None and ids:
            docs += [source.build(row) for row in _public_rows(session, source, ids)]
    return docs, touched
