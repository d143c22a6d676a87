"""Turn database rows into index documents. Only public rows become documents.

The features build their own documents (their search.py registers a DocumentSource); this module
holds the fields every document shares and walks the registry for rebuilds and outbox work.

One row never stops the others: a row that cannot be loaded or built comes out as a `Failure`
(its document key and the error) among the documents, and the caller sets it aside."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import registry

log = logging.getLogger("marketplace.search")

NEGOTIABLE_SORT = 10**15  #: price key (fen) of 面议: sorts after every priced offering
BATCH = 1000  #: rows loaded per query (bounded IN lists: SQLite's variable limit)


def price_key(amount: float | None) -> int:
    """Price as whole fen for the sortable index column (Whoosh's float columns are broken)."""
    return NEGOTIABLE_SORT if amount is None else int(round(amount * 100))


def price_fields(amount: float | None) -> dict:
    """Index columns for a price: ascending key, descending key (面议 last in both), display value."""
    key = price_key(amount)
    return {"price": key, "price_desc": NEGOTIABLE_SORT if amount is None else -key, "price_yuan": amount}


def content_parts(title: str, specs: str, body: str, context: str) -> tuple[tuple[str, int], ...]:
    """The searchable text's parts and how often each counts: title ×3, specs ×2, description and
    context once."""
    return ((title, 3), (specs, 2), (body, 1), (context, 1))


def content_text(title: str, specs: str, body: str, context: str) -> str:
    """The searchable text: its parts joined by spaces, each repeated its number of times."""
    return " ".join(text for text, times in content_parts(title, specs, body, context) for _ in range(times))


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
        # Not a field (Whoosh leaves out names starting with "_"): a rebuild analyses each part once.
        "_content_parts": content_parts(title, specs, body, context),
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


@dataclass(frozen=True)
class Failure:
    """A document that could not be built (or written): which one, and why."""

    doc_type: str
    obj_id: int
    error: str

    @property
    def key(self) -> str:
        return doc_key(self.doc_type, self.obj_id)

    @classmethod
    def of(cls, doc_type: str, obj_id: int, exc: BaseException) -> Failure:
        return cls(doc_type, obj_id, f"{type(exc).__name__}: {exc}"[:2000])


def _public_rows(session: Session, source: registry.DocumentSource, ids: list[int]) -> list:
    stmt = select(source.model).options(*source.options()).where(source.public()).order_by(source.model.id)
    return list(session.scalars(stmt.where(source.model.id.in_(ids))))


def _recover(session: Session, exc: Exception) -> None:
    """After a database error the transaction may be unusable (PostgreSQL): start a fresh one."""
    if isinstance(exc, SQLAlchemyError):
        session.rollback()


def _build(session: Session, source: registry.DocumentSource, ids: list[int]) -> Iterator[dict | Failure]:
    """The documents of the public rows among `ids`; a row that cannot be loaded or built is a Failure."""
    try:
        rows = _public_rows(session, source, ids)
    except Exception as exc:  # one bad row fails the whole query: load them one by one to find it
        _recover(session, exc)
        if len(ids) == 1:
            log.warning("search document %s:%s cannot be loaded", source.doc_type, ids[0], exc_info=True)
            yield Failure.of(source.doc_type, ids[0], exc)
            return
        for obj_id in ids:
            yield from _build(session, source, [obj_id])
        return
    keys = [row.id for row in rows]  # read before a build failure may expire the rows
    for obj_id, row in zip(keys, rows, strict=True):
        try:
            doc = source.build(row)
        except Exception as exc:
            log.warning("search document %s:%s cannot be built", source.doc_type, obj_id, exc_info=True)
            _recover(session, exc)
            doc = Failure.of(source.doc_type, obj_id, exc)
        yield doc


def _in_batches(session: Session, source: registry.DocumentSource, ids: Iterable[int]):
    ids = sorted(ids)
    for start in range(0, len(ids), BATCH):
        yield from _build(session, source, ids[start : start + BATCH])


#: Every document the index should hold, as (document type, ids of its public rows) in index order.
Plan = list[tuple[str, list[int]]]


def plan(session: Session) -> Plan:
    """Which documents the index should hold, in the order a rebuild writes them."""
    return [
        (
            source.doc_type,
            list(session.scalars(select(source.model.id).where(source.public()).order_by(source.model.id))),
        )
        for source in registry.sources()
    ]


def split(whole: Plan, parts: int) -> list[Plan]:
    """`parts` consecutive slices of a plan, in order, with (nearly) as much work each (the
    documents' `DocumentSource.weight`): written as consecutive segments, they number the documents
    as one segment would."""
    flat = [(doc_type, obj_id) for doc_type, ids in whole for obj_id in ids]
    weights = [registry.source(doc_type).weight for doc_type, _ in flat]
    total, done = sum(weights) or 1.0, 0.0
    out: list[Plan] = [[] for _ in range(parts)]
    for (doc_type, obj_id), weight in zip(flat, weights, strict=True):
        piece = out[min(int(done * parts / total), parts - 1)]
        done += weight
        if not piece or piece[-1][0] != doc_type:
            piece.append((doc_type, []))
        piece[-1][1].append(obj_id)
    return out


def documents_of(session: Session, part: Plan) -> Iterator[dict | Failure]:
    """The documents of a plan, straight from the database (and a Failure for each public row that
    cannot be built)."""
    for doc_type, ids in part:
        yield from _in_batches(session, registry.source(doc_type), ids)


def all_documents(session: Session) -> Iterator[dict | Failure]:
    """Every document the index should hold, straight from the database (and a Failure for each
    public row that cannot be built)."""
    return documents_of(session, plan(session))


def documents_for(
    session: Session, keys: list[tuple[str, int]]
) -> tuple[list[dict], set[str], list[Failure]]:
    """For changed (doc_type, id) pairs: the documents to (re)write, every key they touch, and the
    documents that could not be built.

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
    failures: list[Failure] = []
    for doc_type, ids in by_type.items():
        source = registry.source(doc_type)
        if source is not None and ids:
            for item in _in_batches(session, source, ids):
                (failures if isinstance(item, Failure) else docs).append(item)
    return docs, touched, failures
