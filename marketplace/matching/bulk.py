"""A Whoosh segment writer for rebuilds: postings kept compactly in memory and written in blocks.

Whoosh's own writer puts every posting through a pure-Python external sort (each one pickled to
a run file and read back) and then, per posting, reads the document's length from the new
segment's column file, checks it and appends it to a block: at 50,000 offerings and 100,000
demands (ten million postings) that was most of a rebuild's time. Here postings go into one
array of document numbers (and weights and encoded values) per term, which arrive in document
order, so nothing needs sorting but the terms; each block of a posting list is then handed to
Whoosh's block writer whole. The files are Whoosh's own (same codec, same blocks, same term
infos), so readers and `engine.py` see no difference.

Like engine.py, this reads private attributes of whoosh 2.7.5 (pinned): the posting writer's
block buffer (`_ids`, `_weights`, `_values`, the length and weight statistics).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from functools import lru_cache
from itertools import repeat

import numpy as np
from whoosh.fields import NUMERIC
from whoosh.formats import Frequency
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from . import analysis

MAX_INDEXED = 100_000  #: distinct values of the other fields whose postings a writer keeps


_packed = lru_cache(maxsize=None)(pack_uint)  #: a frequency's encoded value (frequencies are small)


class Refused(Exception):
    """The writer refused a document before writing any of it (the cause says why); it goes on."""


#: One field of one document: its distinct terms, their weights and encoded values, and its length.
_FieldPostings = tuple[list, list, list, int]


class CompactPool:
    """Stands in for Whoosh's PostingPool: every posting is one entry of four flat arrays (term
    number, document number, weight, number of its encoded value), appended a document's field at
    a time (`add`) and grouped by term when the segment is written (`by_term`)."""

    def __init__(self) -> None:
        #: field → term → term number (terms of analysed text as str, their UTF-8 is written)
        self.terms: dict[str, dict[bytes | str, int]] = {}
        self.term_count = 0
        self.values: list[bytes] = []  #: value number → encoded value
        self._value_ids: dict[bytes, int] = {}
        self.term_ids, self.docs, self.value_ids = array("I"), array("I"), array("I")
        self.weights = array("f")

    def add(self, docnum: int, postings: list[tuple[str, _FieldPostings]]) -> None:
        """Add one document's postings: (field name, its postings) of each indexed field."""
        term_ids: list[int] = []
        weights: list[float] = []
        values: list[bytes] = []
        for fieldname, (field_terms, field_weights, field_values, _length) in postings:
            known = self.terms.get(fieldname)
            if known is None:
                known = self.terms[fieldname] = {}
            ids = list(map(known.get, field_terms))
            if None in ids:
                ids = [
                    self._new_term(known, t) if i is None else i
                    for t, i in zip(field_terms, ids, strict=True)
                ]
            term_ids += ids
            weights += field_weights
            values += field_values
        value_ids = list(map(self._value_ids.get, values))
        if None in value_ids:
            value_ids = [
                self._value_id(v) if i is None else i for v, i in zip(values, value_ids, strict=True)
            ]
        self.term_ids.extend(term_ids)
        self.docs.extend(repeat(docnum, len(term_ids)))
        self.weights.extend(weights)
        self.value_ids.extend(value_ids)

    def _new_term(self, known: dict[bytes, int], term: bytes) -> int:
        known[term] = self.term_count
        self.term_count += 1
        return known[term]

    def _value_id(self, value: bytes) -> int:
        if value not in self._value_ids:
            self._value_ids[value] = len(self.values)
            self.values.append(value)
        return self._value_ids[value]

    def by_term(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(where each term number's postings start, then end, documents, weights, value numbers),
        grouped by term number, in document order within a term (the order they were added in)."""
        term_ids = np.frombuffer(self.term_ids, np.uint32)
        order = np.argsort(term_ids, kind="stable")
        ends = np.cumsum(np.bincount(term_ids, minlength=self.term_count))
        return (
            ends,
            np.frombuffer(self.docs, np.uint32)[order],
            np.frombuffer(self.weights, np.float32)[order],
            np.frombuffer(self.value_ids, np.uint32)[order],
        )

    def cleanup(self) -> None:
        self.__init__()


class BulkWriter(SegmentWriter):
    """A writer for a fresh index that adds documents only (a rebuild).

    `progress(n)` is called with the number of documents added so far, every `every` documents."""

    def __init__(self, ix, *, progress: Callable[[int], None] | None = None, every: int = 1000, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = CompactPool()
        self._indexed: dict[tuple[str, object], list] = {}  #: (field, value) → its postings
        self._progress = progress
        self._every = every

    def add_document(self, **fields) -> None:
        """Whoosh's `add_document` (no boosts, vectors or spelling: the schema has none), in two
        steps: every value is analysed and checked first, and only then written. A value Whoosh
        would refuse raises `Refused` before the writer changed, so the writer goes on without it
        (Whoosh's own writer is spoiled by a refusal half-way through a document)."""
        self._check_state()
        schema, docnum = self.schema, self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        postings, perdoc = [], []
        try:
            self._check_fields(schema, names)
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    field_postings = self._index(name, field, value, fields.get(f"_{name}_parts"))
                    length = field_postings[3]
                    postings.append((name, field_postings))
                column_value = None
                if field.column_type:
                    if isinstance(field, NUMERIC):
                        field.to_bytes(value)  # type and range, as the column will pack it
                    column_value = field.to_column_value(value)
                perdoc.append((name, field, value if field.stored else None, length, column_value))
        except Exception as exc:
            raise Refused(str(exc)) from exc
        writer = self.perdocwriter
        writer.start_doc(docnum)
        for name, field, stored, length, column_value in perdoc:
            writer.add_field(name, field, stored, length)
            if column_value is not None:
                writer.add_column_value(name, field.column_type, column_value)
        writer.finish_doc()
        self.pool.add(docnum, postings)
        self._added = True
        self.docnum += 1
        if self._progress is not None and self.docnum % self._every == 0:
            self._progress(self.docnum)

    def _index(self, name: str, field, value, parts) -> _FieldPostings:
        """The terms, weights and encoded values of one field's value and its length (for a field
        that is scored), as `field.index(value)` gives them. The analysed text field counts its
        terms directly instead of through Whoosh's token stream (the same terms, frequencies,
        weights and encodings), from the counts of its `parts` (texts joined by spaces,
        `analysis.joined_term_counts`) when the document gives them. The other fields' values
        (types, domains, cities) repeat from document to document: each is analysed once."""
        if (
            isinstance(value, str)
            and type(field.format) is Frequency
            and isinstance(field.analyzer, analysis.ZhongshiTokenizer)
        ):
            boost = field.format.field_boost
            joined = parts and " ".join(text for text, times in parts for _ in range(times)) == value
            counts = (joined and analysis.joined_term_counts(parts)) or analysis.term_counts(value)
            freqs = list(counts.values())
            weights = freqs if boost == 1.0 else [float(freq) * boost for freq in freqs]
            return list(counts), weights, list(map(_packed, freqs)), sum(freqs) if field.scorable else 0
        cacheable = not field.unique and isinstance(value, str | int)
        postings = self._indexed.get((name, value)) if cacheable else None
        if postings is None:
            items = list(field.index(value))
            postings = (
                [term for term, _freq, _weight, _value in items],
                [weight for _term, _freq, weight, _value in items],
                [encoded for _term, _freq, _weight, encoded in items],
                sum(freq for _term, freq, _weight, _value in items) if field.scorable else 0,
            )
            if cacheable and len(self._indexed) < MAX_INDEXED:
                self._indexed[(name, value)] = postings
        return postings

    def finish_part(self):
        """Write this writer's segment without committing it to the index (a part of a rebuild
        written beside others, see `commit_parts`): the segment, or None when it has no documents."""
        self._check_state()
        if not self._added:
            self._close_segment()
            self._finish()
            return None
        segment = self._finalize_segment()
        self._finish()
        return segment

    def _finish(self) -> None:
        if self.writelock is None:  # a part: the others may still use the temporary folder they share
            self.is_closed = True
            return
        super()._finish()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            _write_postings(self.fieldwriter, self.schema, self.pool, lengths, self.docnum)
        finally:
            lengths.close()
        self.fieldwriter.close()


def commit_parts(ix, segments: list) -> None:
    """Make `segments` (from `finish_part`, in document order) the fresh index's content: its next
    generation's table of contents, as a writer's commit writes it."""
    from whoosh.index import TOC, clean_files

    generation = ix.latest_generation() + 1
    segments = [segment for segment in segments if segment is not None]
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
    ix.storage.temp_storage(f"{ix.indexname}.tmp").destroy()


def _write_postings(fieldwriter, schema, pool: CompactPool, lengths, doccount: int) -> None:
    """What Whoosh's `FieldWriter.add_postings` writes, term by term instead of posting by posting."""
    ends, docs, weights, value_ids = pool.by_term()
    for fieldname in sorted(pool.terms):
        fieldobj = schema[fieldname]
        doc_lengths = None
        if fieldobj.scorable:
            doc_lengths = np.array([lengths.doc_field_length(d, fieldname) or 0 for d in range(doccount)])
        fieldwriter.start_field(fieldname, fieldobj)
        terms = sorted(
            (t.encode("utf-8") if isinstance(t, str) else t, n) for t, n in pool.terms[fieldname].items()
        )
        for term, number in terms:
            start = int(ends[number - 1]) if number else 0
            fieldwriter.start_term(term)
            _write_term(
                fieldwriter._postwriter,
                docs[start : ends[number]],
                weights[start : ends[number]],
                [pool.values[v] for v in value_ids[start : ends[number]].tolist()],
                doc_lengths,
            )
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _write_term(writer, docs: np.ndarray, weights: np.ndarray, values: list[bytes], doc_lengths) -> None:
    """Fill the posting writer's block buffer a block at a time, with the statistics `add_posting`
    would have kept (lengths only when non-zero, weights from zero), and let it write the blocks."""
    limit = writer._blocklimit
    total = len(docs)
    for start in range(0, total, limit):
        stop = min(start + limit, total)
        block_weights = weights[start:stop].tolist()
        writer._ids = docs[start:stop].tolist()
        writer._weights = block_weights
        writer._values = [v for v in values[start:stop] if v]
        writer._maxweight = max(0, max(block_weights))
        if doc_lengths is not None:
            lens = doc_lengths[docs[start:stop]]
            lens = lens[lens > 0]
            writer._minlength = int(lens.min()) if len(lens) else None
            writer._maxlength = int(lens.max()) if len(lens) else 0
        else:
            writer._minlength, writer._maxlength = None, 0
        if stop < total:
            writer._write_block()
