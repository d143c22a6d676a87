"""Query evaluation over Whoosh's posting lists with NumPy.

Whoosh stores the index (segments, postings, columns) and does the writing and locking; its
pure-Python matchers, though, visit every candidate document one call at a time, which at 50,000
offerings costs half a second for a 20-term need. Here a query reads each term's posting blocks
once and scores them as arrays (BM25, k1 = 1.2, b = 0.75, global document frequencies), and the
per-document attributes that filters, facets and sorts need are held in arrays cached per
segment (segments are immutable; a cache entry is keyed by segment id and deletion count, so a
write only costs the arrays of the new small segment).

This reads two private attributes of Whoosh's W3LeafMatcher (`_read_ids`, `_read_weights` and the
block fields); `whoosh-reloaded` is pinned to 2.7.5 and this module is the only place that does it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from .. import vocab

K1, B = 1.2, 0.75
#: Bytes of posting arrays kept per process: a bound in bytes, not in lists, because a common term's list
#: grows with the index (12 bytes a posting).
POSTINGS_CACHE_BYTES = 256 << 20
DOC_TYPES = ("offering", "platform", "demand")
KINDS = tuple(vocab.OFFERING_KINDS)
FACET_VALUES = {
    "domain": tuple(vocab.DOMAINS),
    "city": tuple(vocab.ALL_CITIES),
    "kind": KINDS,
    "level": tuple(vocab.PLATFORM_LEVELS),
    "price_unit": tuple(vocab.PRICE_UNITS),
}


@dataclass
class Table:
    """Per-document arrays for one segment (or the whole index, concatenated)."""

    live: np.ndarray  #: bool, not deleted
    length: np.ndarray  #: float32, terms in `content`
    doc_type: np.ndarray  #: int8 index into DOC_TYPES, -1 unknown
    bits: dict[str, np.ndarray]  #: facet name → int64 bitmask over FACET_VALUES[name]
    price: np.ndarray  #: int64 fen (面议 = NEGOTIABLE_SORT)
    price_desc: np.ndarray  #: int64
    created: np.ndarray  #: int64 epoch seconds
    deadline: np.ndarray  #: int64 yyyymmdd
    stats: tuple[int, float] | None = None  #: (live documents, mean length), once computed

    @classmethod
    def concat(cls, tables: list[Table]) -> Table:
        return cls(
            live=np.concatenate([t.live for t in tables]),
            length=np.concatenate([t.length for t in tables]),
            doc_type=np.concatenate([t.doc_type for t in tables]),
            bits={name: np.concatenate([t.bits[name] for t in tables]) for name in FACET_VALUES},
            price=np.concatenate([t.price for t in tables]),
            price_desc=np.concatenate([t.price_desc for t in tables]),
            created=np.concatenate([t.created for t in tables]),
            deadline=np.concatenate([t.deadline for t in tables]),
        )


_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], np.float32)
_lock = threading.RLock()


class _PostingsCache(OrderedDict):
    """Least recently used posting arrays, at most `POSTINGS_CACHE_BYTES` of them (the newest list is
    kept whatever its size)."""

    nbytes = 0

    def keep(self, key: tuple, arrays: tuple[np.ndarray, np.ndarray]) -> None:
        if key in self:
            return
        self[key] = arrays
        self.nbytes += _size(arrays)
        while self.nbytes > POSTINGS_CACHE_BYTES and len(self) > 1:
            self.nbytes -= _size(self.popitem(last=False)[1])

    def clear(self) -> None:
        super().clear()
        self.nbytes = 0

    @property
    def full(self) -> bool:
        return self.nbytes >= POSTINGS_CACHE_BYTES


def _size(arrays: tuple[np.ndarray, np.ndarray]) -> int:
    return arrays[0].nbytes + arrays[1].nbytes


_postings_cache = _PostingsCache()


def _leaf(matcher):
    """The raw posting list: deletions wrap it in a filter that has already stepped past deleted
    documents, so unwrap and rewind (the live mask excludes deleted documents instead)."""
    if hasattr(matcher, "child"):
        while hasattr(matcher, "child"):
            matcher = matcher.child
        matcher.reset()
    return matcher


def postings(reader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, term frequencies) of one term in one segment; segments never change, so the
    arrays of recent terms are kept (at most POSTINGS_CACHE_BYTES)."""
    key = (reader._segment.segment_id(), field, term)
    with _lock:
        hit = _postings_cache.get(key)
        if hit is not None:
            _postings_cache.move_to_end(key)
            return hit
    arrays = _read_postings(reader, field, term)
    with _lock:
        _postings_cache.keep(key, arrays)
    return arrays


def _read_postings(reader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        m = _leaf(reader.postings(field, term))
    except TermNotFound:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    ids, weights = [], []
    while not m._atend and m._i < m._blocklength:
        if m._ids is None:
            m._read_ids()
        if m._weights is None:
            m._read_weights()
        ids.append(np.asarray(m._ids, dtype=np.int64))
        weights.append(
            np.asarray(m._weights if m._weights is not None else [1.0] * len(m._ids), dtype=np.float32)
        )
        m._next_block()
    if not ids:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    return np.concatenate(ids), np.concatenate(weights)


def warm(ix, terms: int) -> int:
    """Read the posting arrays of the `terms` most frequent terms of every segment into the cache,
    with a searcher of its own (its own file handles). Run in the background after start-up, so
    the first needs after a restart do not pay for the expensive common terms. Stops when the cache is
    full (what it would load next would push out what it loaded). Returns how many."""
    if terms <= 0:
        return 0
    loaded = 0
    with ix.searcher() as searcher:
        for leaf, _offset in searcher.leaf_searchers():
            reader = leaf.reader()
            for _freq, term in reader.most_frequent_terms("content", number=terms):
                if _postings_cache.full:
                    return loaded
                postings(reader, "content", term.decode("utf-8") if isinstance(term, bytes) else term)
                loaded += 1
    return loaded


def _column(reader, field: str, n: int, default: int) -> np.ndarray:
    """A numeric column of one segment as int64, read as one array (what iterating the column
    reader gives, value by value: documents without a value read the column's default)."""
    if not reader.has_column(field):
        return np.full(n, default, np.int64)
    fieldobj = reader.schema[field]
    raw = _raw_column(reader._perdoc.column_reader(field, fieldobj.column_type), n)
    # Whoosh stores signed numbers shifted by 2**(bits-1) (whoosh.util.numeric.to_sortable)
    if fieldobj.bits == 64:
        values = raw.view(np.int64)
        return values ^ np.int64(-(2**63)) if fieldobj.signed else values  # x - 2**63, bit for bit
    values = raw.astype(np.int64)
    return values - (1 << (fieldobj.bits - 1)) if fieldobj.signed else values


def _raw_column(column, n: int) -> np.ndarray:
    """The stored (big-endian, fixed-width) values of a NumericColumn reader, padded with its
    default to `n` documents (a column file ends at the last document that has a value)."""
    width = column._fixedlen
    dtype = np.dtype(">" + column._typecode)
    stored = np.frombuffer(column._dbfile.get(column._basepos, column._count * width), dtype=dtype)
    out = np.full(n, column._default, dtype=dtype.newbyteorder("="))
    out[: min(n, len(stored))] = stored[:n]
    return out


def _lengths(reader, field: str, n: int) -> np.ndarray:
    """Every document's length of `field` as float32 (Whoosh stores one byte per document)."""
    perdoc = reader._perdoc
    lengths = perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
    if lengths is None:
        return np.zeros(n, np.float32)
    return _BYTE_TO_LENGTH[_raw_column(lengths, n)]


def _read_ids(reader, field: str, term: str) -> np.ndarray:
    """The document numbers of one term in one segment (no weights: facets and types)."""
    try:
        m = _leaf(reader.postings(field, term))
    except TermNotFound:
        return np.empty(0, np.int64)
    ids = []
    while not m._atend and m._i < m._blocklength:
        if m._ids is None:
            m._read_ids()
        ids.append(np.asarray(m._ids, dtype=np.int64))
        m._next_block()
    return np.concatenate(ids) if ids else np.empty(0, np.int64)


def _live(reader) -> np.ndarray:
    live = np.ones(reader.doc_count_all(), bool)
    deleted = list(reader._segment.deleted_docs()) if reader.has_deletions() else []
    live[np.asarray(deleted, dtype=np.int64)] = False
    return live


def _build_table(reader) -> Table:
    """The static arrays of a segment (its live mask is added per deletion state)."""
    n = reader.doc_count_all()
    live = np.ones(n, bool)
    length = _lengths(reader, "content", n)
    doc_type = np.full(n, -1, np.int8)
    for code, name in enumerate(DOC_TYPES):
        doc_type[_read_ids(reader, "doc_type", name)] = code
    bits = {}
    for facet, values in FACET_VALUES.items():
        mask = np.zeros(n, np.int64)
        for bit, value in enumerate(values):
            mask[_read_ids(reader, facet, value)] |= 1 << bit
        bits[facet] = mask
    from .documents import NEGOTIABLE_SORT

    return Table(
        live=live,
        length=length,
        doc_type=doc_type,
        bits=bits,
        price=_column(reader, "price", n, NEGOTIABLE_SORT),
        price_desc=_column(reader, "price_desc", n, NEGOTIABLE_SORT),
        created=_column(reader, "created", n, 0),
        deadline=_column(reader, "deadline", n, 99991231),
    )


_segment_tables: dict[tuple, Table] = {}  #: (segment id, size) → static arrays
_index_tables: dict[tuple, Table] = {}  #: the whole index for one state of all its segments


def table_for(searcher) -> tuple[Table, list[tuple[object, int]]]:
    """The whole-index table and the (segment reader, offset) pairs, cached by segment state:
    a write adds a small segment and marks deletions, so only those arrays are rebuilt."""
    # An index with no documents has an EmptyReader (no segment): it contributes nothing.
    leaves = [
        (leaf.reader(), offset)
        for leaf, offset in searcher.leaf_searchers()
        if hasattr(leaf.reader(), "_segment")
    ]
    keys = tuple((r._segment.segment_id(), r.doc_count_all(), r._segment.deleted_count()) for r, _ in leaves)
    with _lock:
        table = _index_tables.get(keys)
        if table is None:
            parts = []
            for (reader, _), key in zip(leaves, keys, strict=True):
                static = _segment_tables.get(key[:2])
                if static is None:
                    static = _segment_tables[key[:2]] = _build_table(reader)
                parts.append(replace(static, live=_live(reader)))  # a new table: the statics stay as built
            table = Table.concat(parts) if parts else _empty()
            in_use = {key[:2] for key in keys}
            for stale in [k for k in _segment_tables if k not in in_use]:
                del _segment_tables[stale]
            _index_tables.clear()
            _index_tables[keys] = table
    return table, leaves


def _empty() -> Table:
    z = np.zeros(0, np.int64)
    return Table(
        live=np.zeros(0, bool),
        length=np.zeros(0, np.float32),
        doc_type=np.zeros(0, np.int8),
        bits={name: z for name in FACET_VALUES},
        price=z,
        price_desc=z,
        created=z,
        deadline=z,
    )


def _collection_stats(table: Table) -> tuple[int, float]:
    """(live documents, their mean length), computed once per table (tables never change)."""
    if table.stats is None:
        n_docs = max(int(table.live.sum()), 1)
        avg = float(table.length[table.live].mean()) if table.live.any() else 1.0
        table.stats = (n_docs, avg)
    return table.stats


def bm25(searcher, table: Table, leaves, terms: list[tuple[str, float]]) -> np.ndarray:
    """BM25 of every document for weighted terms over `content` (0 where nothing matches)."""
    scores = np.zeros(len(table.live), np.float32)
    n_docs, avg = _collection_stats(table)
    for term, boost in terms:
        # Whoosh counts deleted documents until segments merge: clamp, so idf stays positive.
        df = min(searcher.doc_frequency("content", term), n_docs)
        if not df:
            continue
        idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5))
        for reader, offset in leaves:
            ids, tf = postings(reader, "content", term)
            if not len(ids):
                continue
            docs = ids + offset
            norm = K1 * (1 - B + B * table.length[docs] / avg)
            scores[docs] += boost * idf * tf * (K1 + 1) / (tf + norm)
    return scores


def coverage(searcher, table: Table, leaves, groups: list[tuple[str, tuple[str, ...]]]) -> np.ndarray:
    """How much of a query each document covers (0-1), the query given as its outermost words with
    their parts (`analysis.compound_groups`). Each word weighs its idf, a word no document contains
    as much as the rarest word could, so a query whose telling words the index does not know covers
    little anywhere. A document containing a word covers it; one containing only some of its parts
    covers half of it in proportion (低温循环 is not 温度循环), or all of it in proportion when no
    document contains the word itself (a compound the index does not know is read by its parts)."""
    n_docs, _avg = _collection_stats(table)
    covered = np.zeros(len(table.live), np.float32)
    total = 0.0
    for word, parts in groups:
        df = min(searcher.doc_frequency("content", word), n_docs)
        weight = float(np.log(1 + (n_docs - df + 0.5) / (df + 0.5)))
        total += weight
        share = np.zeros(len(table.live), np.float32)
        for part in parts:
            share += term_mask(table, leaves, "content", part)
        share = share / len(parts) if parts else share
        if df:
            covered += weight * np.where(term_mask(table, leaves, "content", word), 1.0, 0.5 * share)
        else:
            covered += weight * share
    return covered / total if total else covered


def segment_doc(leaves, docnum: int) -> tuple[object, int]:
    """(segment id, document number in the segment) of an index-wide document number: a key
    that never names another document (segments are immutable)."""
    for reader, offset in reversed(leaves):
        if docnum >= offset:
            return reader._segment.segment_id(), docnum - offset
    raise IndexError(docnum)


def term_mask(table: Table, leaves, field: str, term: str) -> np.ndarray:
    mask = np.zeros(len(table.live), bool)
    for reader, offset in leaves:
        ids, _ = postings(reader, field, term)
        mask[ids + offset] = True
    return mask


def facet_bit(facet: str, value: str) -> int | None:
    values = FACET_VALUES[facet]
    return 1 << values.index(value) if value in values else None


def facet_counts(table: Table, mask: np.ndarray) -> dict[str, list[tuple[str, int]]]:
    out = {}
    for facet, values in FACET_VALUES.items():
        bits = table.bits[facet][mask]
        counts = [(value, int(np.count_nonzero(bits & (1 << i)))) for i, value in enumerate(values)]
        out[facet] = sorted(((v, c) for v, c in counts if c), key=lambda vc: (-vc[1], values.index(vc[0])))
    return out


def top(order_key: np.ndarray, mask: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Doc numbers ranked by ascending `order_key` among `mask`, positions [start, stop); ties by docnum."""
    candidates = np.flatnonzero(mask)
    if not len(candidates) or start >= len(candidates):
        return np.empty(0, np.int64)
    keys = order_key[candidates]
    stop = min(stop, len(candidates))
    if stop < len(candidates):
        part = np.argpartition(keys, stop - 1)[:stop]
        candidates, keys = candidates[part], keys[part]
    order = np.lexsort((candidates, keys))
    return candidates[order][start:stop]
