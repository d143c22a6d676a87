"""How a feature puts its model in the search index, without matching/ knowing the feature.

A feature marks its model with `Searchable` (every flushed change of a row then queues index work
in the outbox, in the same transaction) and registers a `DocumentSource` from its `search.py`:
which rows are public documents, how one row becomes a document, and which of its documents
are built from other types' rows too (an offering's document carries its platform's name)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar


class Searchable:
    """Mixin for models whose rows are search documents of type `__search_type__`."""

    __search_type__: ClassVar[str]


@dataclass(frozen=True)
class DocumentSource:
    doc_type: str
    model: type
    #: SQL condition selecting the rows that are documents (e.g. `Offering.is_public`).
    public: Callable[[], object]
    #: One row → the document's fields (see documents.py for the common fields).
    build: Callable[[object], dict]
    #: Loader options for building many documents without N+1 queries.
    options: Callable[[], Iterable] = lambda: ()
    #: Other document types whose data is part of these documents: {doc_type: (session, changed ids)
    #: → ids of these documents to rebuild}. E.g. offerings are built from their platform's name.
    built_from: dict[str, Callable[[object, list[int]], Iterable[int]]] = field(default_factory=dict)
    #: What the documents are called, and the page of one row for administrators (object id → URL):
    #: the dead letters page names and links the rows the index could not take.
    label: str = ""
    url: Callable[[int], str] | None = None
    #: The work of building and indexing one document, relative to the others' (a rebuild's
    #: processes share the documents by it).
    weight: float = 1.0


_sources: dict[str, DocumentSource] = {}


def register(source: DocumentSource) -> None:
    """Called by a feature (its search.py) once; registering again replaces the entry."""
    _sources[source.doc_type] = source


def sources() -> list[DocumentSource]:
    return list(_sources.values())


def source(doc_type: str) -> DocumentSource | None:
    return _sources.get(doc_type)


def search_type(obj) -> str | None:
    """The document type of a mapped object, or None when it is not indexed."""
    return getattr(type(obj), "__search_type__", None) if isinstance(obj, Searchable) else None
