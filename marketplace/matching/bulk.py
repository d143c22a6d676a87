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
from collections import Counter
from collections.abc import Callable

from whoosh.fields import NUMERIC
from whoosh.formats import Frequency
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from . import analysis


class Refused(Exception):
    """The writer refused a document before writing any of it (the cause says why); it goes on."""


class _Postings:
    """One term's postings in document order."""

    __slots__ = ("docs", "weights", "values")

    def __init__(self) -> None:
        self.docs = array("I")
        self.weights = array("f")
        self.values: list[bytes] = []


class CompactPool:
    """Stands in for Whoosh's PostingPool: `add((field, term bytes, docnum, weight, value bytes))`."""

    def __init__(self) -> None:
        self.terms: dict[str, dict[bytes, _Postings]] = {}
        self._values: dict[bytes, bytes] = {}  #: one object per distinct encoded value
        self.fieldnames: set[str] = set()
        self.count = 0

    def add(self, item) -> None:
        fieldname, term, docnum, weight, value = item
        field = self.terms.get(fieldname)
        if field is None:
            field = self.terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        postings = field.get(term)
        if postings is None:
            postings = field[term] = _Postings()
        postings.docs.append(docnum)
        postings.weights.append(weight)
        postings.values.append(self._values.setdefault(value, value))
        self.count += 1

    def cleanup(self) -> None:
        self.terms.clear()
        self._values.clear()


class BulkWriter(SegmentWriter):
    """A writer for a fresh index that adds documents only (a rebuild).

    `progress(n)` is called with the number of documents added so far, every `every` documents."""

    def __init__(self, ix, *, progress: Callable[[int], None] | None = None, every: int = 1000, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = CompactPool()
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
                    for term, freq, weight, encoded in _index(field, value):
                        length += freq if field.scorable else 0
                        postings.append((name, term, docnum, weight, encoded))
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
        add = self.pool.add
        for posting in postings:
            add(posting)
        self._added = True
        self.docnum += 1
        if self._progress is not None and self.docnum % self._every == 0:
            self._progress(self.docnum)

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


def _index(field, value):
    """(term bytes, frequency, weight, encoded value) of each distinct term, as `field.index(value)`
    gives them; the analysed text field counts its terms directly instead of through Whoosh's
    token stream (the same terms, frequencies, weights and encodings)."""
    if (
        isinstance(value, str)
        and type(field.format) is Frequency
        and isinstance(field.analyzer, analysis.ZhongshiTokenizer)
    ):
        boost = field.format.field_boost
        return [
            (term.encode("utf-8"), freq, float(freq) * boost, pack_uint(freq))
            for term, freq in Counter(analysis.tokens(value)).items()
        ]
    return field.index(value)


def _write_postings(fieldwriter, schema, pool: CompactPool, lengths, doccount: int) -> None:
    """What Whoosh's `FieldWriter.add_postings` writes, term by term instead of posting by posting."""
    for fieldname in sorted(pool.terms):
        fieldobj = schema[fieldname]
        doc_lengths = None
        if fieldobj.scorable:
            doc_lengths = [lengths.doc_field_length(d, fieldname) or 0 for d in range(doccount)]
        fieldwriter.start_field(fieldname, fieldobj)
        terms = pool.terms[fieldname]
        for term in sorted(terms):
            fieldwriter.start_term(term)
            _write_term(fieldwriter._postwriter, terms[term], doc_lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _write_term(writer, postings: _Postings, doc_lengths: list[int] | None) -> None:
    """Fill the posting writer's block buffer a block at a time, with the statistics `add_posting`
    would have kept (lengths only when non-zero, weights from zero), and let it write the blocks."""
    limit = writer._blocklimit
    total = len(postings.docs)
    for start in range(0, total, limit):
        stop = min(start + limit, total)
        docs = postings.docs[start:stop]
        weights = postings.weights[start:stop]
        writer._ids = docs
        writer._weights = weights
        writer._values = [v for v in postings.values[start:stop] if v]
        writer._maxweight = max(0, max(weights))
        if doc_lengths is not None:
            lens = [n for n in (doc_lengths[d] for d in docs) if n]
            writer._minlength = min(lens) if lens else None
            writer._maxlength = max(lens) if lens else 0
        else:
            writer._minlength, writer._maxlength = None, 0
        if stop < total:
            writer._write_block()
