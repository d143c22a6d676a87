"""The index on disk: generations, the single-writer lock, outbox draining, rebuild and check.

Layout of SEARCH_INDEX_DIR (one per application host, a replica of the database's public rows):
    CURRENT        JSON naming the live generation, the schema and the dictionary version, and the
                   outbox id its snapshot was taken at (`as_of`); replaced atomically (os.replace)
                   by a rebuild
    write.lock     fcntl lock: whoever holds it is the only writer (drain or rebuild)
    gen-*/         Whoosh index folders; old ones are removed after a swap

The outbox is a log that every host reads with its own cursor (`SearchHost`, named by
SEARCH_HOST_ID): a drain applies the rows after this host's cursor to this host's index and moves
the cursor once the index has committed them; rows every registered host has passed are deleted.
A rebuild takes a snapshot and sets this host's cursor to the outbox id it was taken at.

A document that cannot be built or written never stops the others: it is logged, set aside as a
dead letter (`SearchDeadLetter`: key, error, attempts, first and last failure), deleted from the
index, and retried by the periodic drain after a doubling delay (`requeue_dead_letters`).
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import mmap
import multiprocessing
import os
import shutil
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from ..core.hooks import after_commit
from ..core.timeutil import utcnow
from ..extensions import db
from . import analysis, documents, engine
from .bulk import BulkWriter, Refused, commit_parts
from .documents import Failure, all_documents, documents_for
from .models import OutboxReader, SearchDeadLetter, SearchHost, SearchOutbox

log = logging.getLogger("marketplace.search")

#: 12: segments are separate files (`SEGMENT_COMPOUND`); 11: the synonym groups' words are words of the
#: segmenter; 10: the price unit is a facet (9: numbers are columns; content keeps no positions). An index of
#: another version rebuilds itself when first opened.
SCHEMA_VERSION = 12

#: Segments are written as separate files, not one compound file: Whoosh reads each part of a compound
#: segment it opens into a copy in memory (`BytesIO` over the mapped file), so every worker process held
#: its own copy of the term dictionaries, postings and columns of the whole index (several hundred MB at
#: 200,000 offerings); separate files are read from the operating system's shared page cache instead.
SEGMENT_COMPOUND = False


class MappedStorage(FileStorage):
    """An index folder whose files are read through read-only memory maps: reads are slices of memory (as
    from a compound file's copy) while the pages stay in the page cache every process shares (not read
    call by read call through a buffered file: twice the time of a match's first reads)."""

    def open_file(self, name, **kwargs):
        with open(self._fpath(name), "rb") as file:
            try:
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
        return StructFile(mapped, name=name, **kwargs)


def _open_dir(path: Path):
    return MappedStorage(str(path)).open_index()


class NUMBER(NUMERIC):
    """A number kept as a stored value and/or a sortable column, never indexed as terms.

    Filters, sorts and facets read columns (engine.py), never numeric range queries, so the
    16 trie terms a 64-bit NUMERIC writes per value (half of all postings) bought nothing."""

    indexed = False


def make_schema() -> Schema:
    text = analysis.analyzer()
    return Schema(
        id=ID(unique=True, stored=True),
        doc_type=ID(stored=True),
        obj_id=NUMBER(int, stored=True),
        version=STORED(),
        # One searchable text field; the title counts three times and the specs twice (see
        # documents.content_text), which weighs them like BM25F but costs one posting list per term.
        # Frequencies only: scoring reads term frequencies and lengths, and no query uses positions.
        content=TEXT(analyzer=text, phrase=False),
        title=STORED(),
        specs=STORED(),
        body=STORED(),
        domain=KEYWORD(stored=True, commas=True),
        kind=KEYWORD(stored=True, commas=True),
        city=KEYWORD(stored=True, commas=True),
        level=ID(stored=True),
        certs=KEYWORD(stored=True, commas=True, lowercase=True),
        price=NUMBER(int, bits=64, sortable=True),  #: fen (yuan × 100), for filters and sorting
        price_desc=NUMBER(int, bits=64, signed=True, sortable=True),  #: −fen, 面议 last: 'price high to low'
        price_yuan=STORED(),  #: None for 面议
        price_unit=ID(stored=True),  #: a facet: prices are compared within one unit
        created=NUMBER(int, bits=64, stored=True, sortable=True),
        deadline=NUMBER(int, stored=True, sortable=True),
        platform_id=NUMBER(int, stored=True),
        platform_name=STORED(),
        ref=STORED(),
        volumes=STORED(),
        masses=STORED(),
    )


class IndexBusy(Exception):
    """The writer lock could not be had in time; the outbox keeps the work."""


def index_root(app: Flask | None = None) -> Path:
    app = app or current_app
    root = Path(app.config["SEARCH_INDEX_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


#: What the holder of the writer lock writes into its file: a drain gives up at once on a rebuild.
REBUILDING = b"rebuild"


@contextmanager
def writer_lock(root: Path, timeout: float, purpose: bytes = b"drain"):
    """The single-writer lock across threads and processes (fcntl on write.lock). Its holder writes
    `purpose` into the file: a drain waiting for a rebuild (minutes) gives up at once instead of
    holding a request for `timeout` (the rebuild covers what the drain would apply, or leaves it in the
    outbox)."""
    fd = os.open(root / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline or (
                    purpose != REBUILDING and os.pread(fd, len(REBUILDING), 0) == REBUILDING
                ):
                    raise IndexBusy() from None
                time.sleep(0.02)
        os.pwrite(fd, purpose.ljust(len(REBUILDING)), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _read_current(root: Path) -> dict | None:
    try:
        return json.loads((root / "CURRENT").read_text())
    except (OSError, ValueError):
        return None


def _is_usable(root: Path, current: dict | None) -> bool:
    if (
        not current
        or current.get("schema") != SCHEMA_VERSION
        or current.get("dictionary") != analysis.DICTIONARY_VERSION
    ):
        return False
    try:
        _open_dir(root / current["gen"]).doc_count()
    except Exception:  # corrupt or missing files: any failure means rebuild
        return False
    return True


_cache = threading.local()


def open_index(app: Flask | None = None, *, may_rebuild: bool = True):
    """The live Whoosh index of this process; (re)built from the database when missing or unusable."""
    app = app or current_app
    root = index_root(app)
    current = _read_current(root)
    cached = getattr(_cache, "index", None)
    if cached and current and cached[0] == (str(root), current.get("gen")):
        return cached[1]
    if not _is_usable(root, current):
        if not may_rebuild:
            raise IndexBusy()
        log.warning("search index at %s missing or unusable: rebuilding from the database", root)
        rebuild(app, procs=1)  # maybe in a web worker, whose other threads' locks a fork would copy held
        current = _read_current(root)
    ix = _open_dir(root / current["gen"])
    _cache.index = ((str(root), current["gen"]), ix)
    return ix


@contextmanager
def live_searcher(app: Flask | None = None):
    """This thread's searcher on the live index, kept open between requests and reopened when the
    index changed. (Not `Searcher.refresh()`: it reuses a segment's reader even when only the
    segment's deletions changed, and would keep serving deleted documents.)"""
    app = app or current_app
    ix = open_index(app)
    cached = getattr(_cache, "searcher", None)
    if cached is not None and cached[0] is ix and cached[1].up_to_date():
        searcher = cached[1]
    else:
        if cached is not None:
            cached[1].close()
        searcher = ix.searcher()
        _start_warmup(app, ix)
    _cache.searcher = (ix, searcher)
    yield searcher


_warmed: set[str] = set()
_warm_lock = threading.Lock()


def _start_warmup(app: Flask, ix) -> None:
    """Once per process and index generation, preload the common terms' postings in the background."""
    terms = app.config["SEARCH_WARMUP_TERMS"]
    key = f"{os.getpid()}:{ix.storage.folder}"
    with _warm_lock:
        if terms <= 0 or key in _warmed:
            return
        _warmed.add(key)

    def run() -> None:
        try:
            started = time.monotonic()
            count = engine.warm(ix, terms)
            log.info("search warm-up: %d posting lists in %.1f s", count, time.monotonic() - started)
        except Exception:  # a warm-up is an optimisation; the index may have been swapped meanwhile
            log.warning("search warm-up stopped", exc_info=True)

    threading.Thread(target=run, name="search-warmup", daemon=True).start()


def _checked(schema: Schema, items) -> Iterator[dict | Failure]:
    """Pass documents on, or a Failure for one Whoosh would refuse. Checked before a writer sees it:
    a document refused half-way through `add_document` leaves postings behind that the next
    document would inherit, so a writer that refused one is never committed."""
    for item in items:
        if isinstance(item, dict):
            try:
                _preflight(schema, item)
            except Exception as exc:
                log.warning("search document %s refused by the index schema: %s", item.get("id"), exc)
                item = Failure.of(item.get("doc_type", "?"), item.get("obj_id", 0), exc)
        yield item


def _preflight(schema: Schema, doc: dict) -> None:
    """Raise what Whoosh would raise on adding `doc` (unknown fields, numbers out of range, wrong
    types), without the cost of analysing its text."""
    if not isinstance(doc.get("id"), str) or not doc["id"]:
        raise ValueError("document without an id")
    for name, value in doc.items():
        if value is None or name.startswith("_"):  # not a field: Whoosh leaves it out
            continue
        field = schema[name]
        if isinstance(field, TEXT):
            if not isinstance(value, str):
                raise TypeError(f"field {name!r} expects text, not {type(value).__name__}")
            continue
        if isinstance(field, NUMERIC):
            field.to_bytes(value)  # type and range
        elif field.indexed:
            for _posting in field.index(value):
                pass
        if field.column_type:
            field.to_column_value(value)


def _write(ix, delete_keys: set[str], docs: list[dict]) -> list[Failure]:
    """Delete `delete_keys` and add `docs` in one commit. A document the writer refuses anyway is
    left out: the writer is cancelled and the rest written again. Returns the documents left out;
    any other failure (lock, disk) is raised and the caller's outbox rows stay."""
    failures: list[Failure] = []
    skipped: set[str] = set()
    while True:
        writer = ix.writer(timeout=10.0, compound=SEGMENT_COMPOUND)
        current = None
        try:
            for key in delete_keys:
                writer.delete_by_term("id", key)
            for doc in docs:
                if doc["id"] not in skipped:
                    current = doc
                    writer.add_document(**doc)
            current = None
            writer.commit()
            return failures
        except Exception as exc:
            failure = _spoiled(writer, current, exc)
            skipped.add(failure.key)
            failures.append(failure)


def _spoiled(writer, current: dict | None, exc: Exception) -> Failure:
    """In a writer's `except`: cancel it, and say which document spoiled it half-way (re-raise when
    none was being written: the failure is not a document's)."""
    with suppress(Exception):
        writer.cancel()
    if current is None:
        raise exc
    log.warning("search document %s refused by the index writer", current["id"], exc_info=True)
    return Failure.of(current["doc_type"], current["obj_id"], exc)


def rebuild(
    app: Flask | None = None,
    *,
    procs: int | None = None,
    lock_timeout: float = 600.0,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Build every document into a fresh generation and swap it in atomically. Returns the count.
    `progress(n)` is told every thousand documents how many are written so far, and the total at the end.

    `procs` processes (SEARCH_REBUILD_PROCS) each write one segment of consecutive documents (see
    `_write_parts`). A document that cannot be built or written is left out and kept as a dead
    letter; the dead letters afterwards are exactly the documents this rebuild could not index."""
    app = app or current_app
    procs = procs or app.config["SEARCH_REBUILD_PROCS"]
    root = index_root(app)
    failures: dict[str, Failure] = {}
    name = host_id(app)
    with writer_lock(root, lock_timeout, REBUILDING), Session(db.engine) as session, _few_collections():
        _register(session, name)  # before the snapshot: from now on the rows after it wait for this host
        high_water = session.scalar(select(func.max(SearchOutbox.id))) or 0
        whole = documents.plan(session)
        total = sum(len(ids) for _, ids in whole)
        parts = documents.split(whole, max(1, min(procs, total // app.config["SEARCH_REBUILD_PART_MIN"])))
        session.close()  # each part reads with a connection of its own
        schema = make_schema()
        while True:
            gen = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{int(time.monotonic() * 1000) % 100000}"
            path = root / gen
            path.mkdir()
            ix = whoosh_index.create_in(str(path), schema)
            results = _write_parts(ix, parts, set(failures), progress)
            for result in results:
                failures.update((f.key, f) for f in result.failures)
            spoiled = [result.spoiled for result in results if result.spoiled is not None]
            if not spoiled:
                commit_parts(ix, [result.segment for result in results])
                count = sum(result.count for result in results)
                break
            # A document refused half-way spoils its writer: start again without it.
            shutil.rmtree(path, ignore_errors=True)
            failures.update((f.key, f) for f in spoiled)
        tmp = root / "CURRENT.tmp"
        tmp.write_text(
            json.dumps(
                {
                    "gen": gen,
                    "schema": SCHEMA_VERSION,
                    "dictionary": analysis.DICTIONARY_VERSION,
                    "as_of": high_water,
                }
            )
        )
        os.replace(tmp, root / "CURRENT")
        # Work queued before the snapshot is in the new generation; later rows wait for the next drain.
        _advance(session, name, high_water, generation=gen)
        _prune(session)
        _record_failures(session, list(failures.values()), app.config["SEARCH_RETRY_DELAY"])
        _resolve(session, _dead_keys(session) - set(failures))
        session.commit()
        for old in root.glob("gen-*"):
            if old.name != gen:
                shutil.rmtree(old, ignore_errors=True)
    if progress is not None:
        progress(count)
    log.info("search index rebuilt: %d documents in %s, %d set aside", count, gen, len(failures))
    return count


@dataclass
class _PartResult:
    """What one process wrote of a rebuild: its segment (None: no documents), how many documents,
    the documents it left out, and the document that spoiled its writer (then nothing is kept)."""

    segment: object | None
    count: int
    failures: list[Failure]
    spoiled: Failure | None = None


def _write_parts(ix, parts: list[documents.Plan], skip: set[str], progress) -> list[_PartResult]:
    """Write each part as its own segment of `ix`, the first in this process and the others in
    forked processes at the same time (the documents are read, analysed and written on every core).
    The parts are consecutive in index order, so the segments number the documents as one segment
    would, and search reads the same statistics (engine.py sums them over the segments)."""
    written = multiprocessing.RawArray("q", len(parts))  # documents written so far, per part

    def tell(part: int):
        def told(n: int) -> None:
            written[part] = n
            if progress is not None and part == 0:
                progress(sum(written))

        return told

    context = multiprocessing.get_context("fork")
    for stream in (sys.stdout, sys.stderr):  # else a forked process writes what is buffered again
        with suppress(Exception):
            stream.flush()
    workers = []
    try:
        for k in range(1, len(parts)):
            receive, send = context.Pipe(duplex=False)
            worker = context.Process(
                target=_part_process, args=(ix, parts[k], skip, tell(k), send), name=f"search-rebuild-{k}"
            )
            worker.start()
            send.close()
            workers.append((worker, receive))
        results = [_write_part(ix, parts[0], skip, tell(0))]
        told = sum(written)
        for worker, receive in workers:
            while not receive.poll(1.0):
                if progress is not None and sum(written) > told:
                    told = sum(written)
                    progress(told)
            try:
                outcome = receive.recv()
            except EOFError:
                raise RuntimeError(f"search rebuild process {worker.name} died") from None
            if isinstance(outcome, str):
                raise RuntimeError(f"search rebuild process {worker.name} failed:\n{outcome}")
            results.append(outcome)
        return results
    finally:
        for worker, receive in workers:
            receive.close()
            if worker.is_alive():
                worker.terminate()
            worker.join()


def _part_process(ix, part: documents.Plan, skip: set[str], progress, send) -> None:
    """A forked process writing one part: with database connections of its own (the parent's stay
    untouched: they are kept, never closed here), it sends back its `_PartResult` or the traceback."""
    inherited = db.engine.pool  # noqa: F841 (kept referenced: dropping it would close the parent's)
    db.engine.dispose(close=False)
    try:
        outcome = _write_part(ix, part, skip, progress)
    except BaseException:
        outcome = traceback.format_exc()
    send.send(outcome)
    send.close()


def _write_part(ix, part: documents.Plan, skip: set[str], progress) -> _PartResult:
    """Build and write the documents of `part` into a new segment of `ix` (not committed)."""
    writer = BulkWriter(ix, progress=progress, _lk=False, compound=SEGMENT_COMPOUND)
    failures: list[Failure] = []
    count, current = 0, None
    try:
        with Session(db.engine) as session:
            for item in documents.documents_of(session, part):
                if isinstance(item, Failure):
                    failures.append(item)
                elif item["id"] not in skip:
                    current = item
                    try:
                        writer.add_document(**item)
                    except Refused as exc:
                        log.warning("search document %s refused by the index schema: %s", item["id"], exc)
                        failures.append(Failure.of(item["doc_type"], item["obj_id"], exc.__cause__))
                        continue
                    count += 1
            current = None
        return _PartResult(writer.finish_part(), count, failures)
    except Exception as exc:
        return _PartResult(None, 0, failures, _spoiled(writer, current, exc))


@contextmanager
def _few_collections():
    """Collect cyclic garbage rarely while a rebuild allocates millions of objects that live until
    its end (loaded rows, postings): at the default threshold, collections that free nothing cost
    a third of reading the documents."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def drain(app: Flask | None = None, *, wait: float = 2.0, batch: int = 500, limit: int | None = None) -> int:
    """Apply the outbox rows after this host's cursor to this host's index, in id order, moving the
    cursor after each index commit (a crash in between applies them again: writes are idempotent by
    document id). Returns how many rows were applied. With a `limit` it stops after the batch that
    reaches it (a request applies a few changes, not a whole import's: the job worker does the rest).

    Never raises because the index is busy: the rows stay in the outbox for the lock holder or
    the next drain (a later commit, a search, `flask search drain`, or the next start). A document
    that cannot be built or written is set aside as a dead letter and the rest go on."""
    app = app or current_app
    root = index_root(app)
    open_index(app)  # builds the index first if there is none
    name = host_id(app)
    applied = 0
    try:
        for attempt in range(2):
            with writer_lock(root, wait):
                cursor = _follow(root, name)
                if cursor is not None:
                    # A rebuild may have swapped generations before this drain had the lock.
                    ix = open_index(app, may_rebuild=False)
                    while rows := _apply(app, ix, name, cursor, batch):
                        applied += len(rows)
                        cursor = rows[-1].id
                        if limit is not None and applied >= limit:
                            break
                    break
            if attempt == 0:
                log.warning("search index of host %s cannot follow the outbox: rebuilding", name)
                rebuild(app, procs=1)  # maybe in a web worker: no fork (see open_index)
    except IndexBusy:
        log.info("search index busy; outbox rows wait for the next drain")
    except Exception:  # a request never fails because of the index: the outbox keeps the work
        log.exception("search drain failed; the outbox keeps the work")
    return applied


def _apply(app: Flask, ix, name: str, cursor: int, batch: int) -> list:
    """Apply the next `batch` rows after `cursor` to the index, then move this host's cursor past
    them and delete what every host has applied. Returns the rows applied (none: up to date)."""
    with Session(db.engine) as session:
        rows = session.execute(
            select(SearchOutbox.id, SearchOutbox.doc_type, SearchOutbox.doc_id)
            .where(SearchOutbox.id > cursor)
            .order_by(SearchOutbox.id)
            .limit(batch)
        ).all()
        if not rows:
            return rows
        docs, touched, failures = documents_for(session, [(r.doc_type, r.doc_id) for r in rows])
        checked = list(_checked(ix.schema, docs))
        docs = [d for d in checked if not isinstance(d, Failure)]
        failures += [d for d in checked if isinstance(d, Failure)]
        # A document set aside leaves the index too: the index never shows what the database
        # no longer says, and `check` reports it missing until it indexes again.
        failures += _write(ix, touched, docs)
        _advance(session, name, rows[-1].id)
        _prune(session)
        _record_failures(session, failures, app.config["SEARCH_RETRY_DELAY"])
        _resolve(session, touched - {f.key for f in failures})
        session.commit()
        return rows


# --- hosts: each application host applies the outbox to its own index ----------------------------


#: How often a host's `last_seen_at` is refreshed by its drains (a write, so not on every one).
SEEN_EVERY = timedelta(minutes=1)


def host_id(app: Flask | None = None) -> str:
    """This host's name among the index replicas: SEARCH_HOST_ID, by default the machine's name and
    the index folder (processes sharing a folder are one host)."""
    app = app or current_app
    return app.config.get("SEARCH_HOST_ID") or (
        f"{socket.gethostname()}:{os.path.realpath(app.config['SEARCH_INDEX_DIR'])}"
    )


def _host(session: Session, name: str) -> SearchHost | None:
    return session.scalar(select(SearchHost).where(SearchHost.name == name))


def _register(session: Session, name: str) -> None:
    """Register this host, if new, at the current end of the log (a rebuild follows), and commit."""
    if _host(session, name) is None:
        end = session.scalar(select(func.max(SearchOutbox.id))) or 0
        session.add(SearchHost(name=name, cursor=end, generation=None))
        session.commit()
        log.info("search host %s registered at outbox id %d", name, end)


def _advance(session: Session, name: str, cursor: int, *, generation: str | None = None) -> None:
    """Record that this host's index holds the log up to `cursor` (in the caller's transaction)."""
    values = {"cursor": cursor, "last_seen_at": utcnow()}
    if generation is not None:
        values["generation"] = generation
    session.execute(update(SearchHost).where(SearchHost.name == name).values(**values))


def _prune(session: Session) -> None:
    """Delete the rows every registered host has applied and every reader has read (none while no
    host is registered)."""
    hosts_done = session.scalar(select(func.min(SearchHost.cursor)))
    if hosts_done is None:
        return
    readers_done = session.scalar(select(func.min(OutboxReader.cursor)))
    done = hosts_done if readers_done is None else min(hosts_done, readers_done)
    session.execute(delete(SearchOutbox).where(SearchOutbox.id <= done))


# --- readers: consumers of the log that are not indexes -------------------------------------------


def read_outbox(name: str, batch: int = 1000) -> list[tuple[int, str, int]]:
    """The next (id, doc_type, doc_id) rows after reader `name`'s cursor that this host's index already
    holds (so a search sees them), in id order. A new reader starts at the current end of the log:
    it reads what changes from then on. Call `advance_reader` with the last id once they are handled."""
    app = current_app._get_current_object()
    drain(app, wait=app.config["SEARCH_DRAIN_WAIT"])
    with Session(db.engine) as session:
        reader = session.scalar(select(OutboxReader).where(OutboxReader.name == name))
        if reader is None:
            end = session.scalar(select(func.max(SearchOutbox.id))) or 0
            session.add(OutboxReader(name=name, cursor=end))
            session.commit()
            return []
        host = _host(session, host_id(app))
        indexed = host.cursor if host is not None else 0
        return [
            tuple(row)
            for row in session.execute(
                select(SearchOutbox.id, SearchOutbox.doc_type, SearchOutbox.doc_id)
                .where(SearchOutbox.id > reader.cursor, SearchOutbox.id <= indexed)
                .order_by(SearchOutbox.id)
                .limit(batch)
            )
        ]


def advance_reader(name: str, cursor: int) -> None:
    """Record, in the current transaction, that reader `name` has handled the log up to `cursor`, and
    delete what everyone has passed: commit it with the work the rows caused, so a crash redoes both."""
    db.session.execute(
        update(OutboxReader)
        .where(OutboxReader.name == name, OutboxReader.cursor < cursor)
        .values(cursor=cursor, updated_at=utcnow())
    )
    _prune(db.session)


def _follow(root: Path, name: str) -> int | None:
    """This host's cursor for its live index generation (the writer lock held), or None when the
    index cannot follow the log from where it is (the host was unregistered meanwhile, or the index
    is older than its cursor): it must be rebuilt. An index from before hosts had cursors joins
    at its first pending row."""
    current = _read_current(root) or {}
    as_of = current.get("as_of")
    with Session(db.engine) as session:
        host = _host(session, name)
        if host is not None and host.generation is not None and host.generation == current.get("gen"):
            if host.last_seen_at < utcnow() - SEEN_EVERY:
                host.last_seen_at = utcnow()
                session.commit()
            return host.cursor
        if host is not None and as_of is not None and host.cursor <= as_of:
            # A rebuild swapped its generation in but stopped before recording it: the new
            # generation holds the log up to `as_of`, and the rows after the cursor are all kept.
            host.generation = current["gen"]
            session.commit()
            return host.cursor
        if host is None and as_of is None and session.scalar(select(SearchHost.id).limit(1)) is None:
            # The index of a single-host deployment from before hosts had cursors: the outbox
            # was a queue of exactly what it lacks, and nobody has deleted a row since.
            first = session.scalar(select(func.min(SearchOutbox.id)))
            host = SearchHost(name=name, cursor=first - 1 if first else 0, generation=current.get("gen"))
            session.add(host)
            session.commit()
            log.info("search host %s registered at outbox id %d", name, host.cursor)
            return host.cursor
    return None


def forget_host(name: str) -> bool:
    """Unregister a host gone for good, so it no longer holds outbox rows back, and delete what the
    remaining hosts have all applied (in the current transaction). Returns whether it was known."""
    host = _host(db.session, name)
    if host is None:
        return False
    db.session.delete(host)
    db.session.flush()
    _prune(db.session)
    return True


@dataclass
class HostState:
    """A registered host, for `flask search hosts` and /admin/search."""

    name: str
    cursor: int
    lag: int  #: outbox rows it has not applied yet
    generation: str | None
    first_seen_at: datetime
    last_seen_at: datetime


def hosts(session: Session | None = None) -> list[HostState]:
    """Every registered host with how many outbox rows it has still to apply, most behind first."""
    session = session or db.session
    lag = (
        select(func.count(SearchOutbox.id))
        .where(SearchOutbox.id > SearchHost.cursor)
        .correlate(SearchHost)
        .scalar_subquery()
    )
    rows = session.execute(select(SearchHost, lag).order_by(SearchHost.cursor, SearchHost.name)).all()
    return [
        HostState(h.name, h.cursor, behind, h.generation, h.first_seen_at, h.last_seen_at)
        for h, behind in rows
    ]


# --- dead letters ------------------------------------------------------------------------------


MAX_RETRY_DELAY = timedelta(hours=1)


def retry_delay(first: timedelta, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: `first` (SEARCH_RETRY_DELAY), doubled each time,
    at most an hour."""
    return min(first * 2 ** min(max(attempts, 1) - 1, 16), MAX_RETRY_DELAY)


def _record_failures(session: Session, failures: list[Failure], first_delay: timedelta) -> None:
    """Keep each failure as a dead letter (one per document), counting attempts, with its next retry."""
    if not failures:
        return
    now = utcnow()
    unique = {f.key: f for f in failures}
    existing = {
        letter.key: letter
        for letter in session.scalars(
            select(SearchDeadLetter).where(
                tuple_(SearchDeadLetter.doc_type, SearchDeadLetter.doc_id).in_(
                    [(f.doc_type, f.obj_id) for f in unique.values()]
                )
            )
        )
    }
    for key, failure in unique.items():
        letter = existing.get(key)
        if letter is None:
            letter = SearchDeadLetter(
                doc_type=failure.doc_type, doc_id=failure.obj_id, attempts=0, first_failed_at=now
            )
            session.add(letter)
        letter.attempts += 1
        letter.error = failure.error
        letter.last_failed_at = now
        letter.next_attempt_at = now + retry_delay(first_delay, letter.attempts)
        log.error(
            "search document %s set aside (attempt %d, retry at %s): %s",
            key,
            letter.attempts,
            letter.next_attempt_at.isoformat(timespec="seconds"),
            failure.error,
        )


def _dead_keys(session: Session) -> set[str]:
    return {
        f"{t}:{i}" for t, i in session.execute(select(SearchDeadLetter.doc_type, SearchDeadLetter.doc_id))
    }


def _resolve(session: Session, keys: set[str]) -> None:
    """Documents now indexed (or no longer public) leave the dead letters."""
    if not keys or session.scalar(select(SearchDeadLetter.id).limit(1)) is None:
        return
    pairs = [(t, int(i)) for t, _, i in (key.partition(":") for key in keys)]
    for start in range(0, len(pairs), 500):
        session.execute(
            delete(SearchDeadLetter).where(
                tuple_(SearchDeadLetter.doc_type, SearchDeadLetter.doc_id).in_(pairs[start : start + 500])
            )
        )


def dead_letters(session: Session | None = None) -> list[SearchDeadLetter]:
    """Every document set aside, oldest failure first."""
    session = session or db.session
    return list(
        session.scalars(
            select(SearchDeadLetter).order_by(SearchDeadLetter.first_failed_at, SearchDeadLetter.id)
        )
    )


def requeue_dead_letters(ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Queue dead letters for another try in the current transaction: those whose retry is due, or
    the given ones at once (an administrator's retry). The drain after the commit tries them; a
    failure sets them aside again with a longer delay, a success removes them. Returns the count."""
    stmt = select(SearchDeadLetter)
    if ids is None:
        stmt = stmt.where(SearchDeadLetter.next_attempt_at <= (now or utcnow()))
    else:
        stmt = stmt.where(SearchDeadLetter.id.in_(ids))
    letters = list(db.session.scalars(stmt))
    if letters:
        from .outbox import queue

        queue(db.session, [(letter.doc_type, letter.doc_id) for letter in letters])
        for letter in letters:
            letter.next_attempt_at = None
    return len(letters)


def has_pending(app: Flask | None = None) -> bool:
    """Whether committed changes wait for this host's index: outbox rows after its cursor, or no
    cursor yet (one statement of two indexed lookups: it runs before every search)."""
    end, cursor = db.session.execute(
        select(
            select(func.max(SearchOutbox.id)).scalar_subquery(),
            select(SearchHost.cursor).where(SearchHost.name == host_id(app)).scalar_subquery(),
        )
    ).one()
    return cursor is None or (end is not None and end > cursor)


def schedule_drain(session) -> None:
    """After the surrounding commit, enqueue a drain job (once per transaction); with JOBS_IMMEDIATE it
    runs right away in this process, otherwise in a `flask jobs worker`, which drains the index of the
    host it runs on. The other hosts catch up by their worker's drain loop (`jobs.follow_outbox`) and
    before any search they serve (`services._fresh_searcher`)."""
    from ..core.jobs import enqueue
    from .jobs import drain_outbox

    app = current_app._get_current_object()

    def run() -> None:
        if app.config["SEARCH_SYNC_DRAIN"]:
            enqueue(drain_outbox)

    after_commit(session, run, key="search-drain")


def defer_drain(session) -> None:
    """The caller indexes this transaction's changes itself once it has committed (a bulk import
    rebuilds or drains at its end): no drain is scheduled for them meanwhile. Call it before the
    transaction writes. Their outbox rows are written all the same, so a crash after the commit
    leaves them for the next drain."""
    after_commit(session, lambda: None, key="search-drain")


def check(app: Flask | None = None) -> dict[str, list[str]]:
    """Compare the index with the database: documents missing, stale (older version) or extra.

    A public row whose document cannot be built counts as missing (or stale when an old version is
    still in the index); the dead letters say why (`dead_letters`)."""
    app = app or current_app
    ix = open_index(app)
    with Session(db.engine) as session:
        expected: dict[str, str | None] = {}
        for item in _checked(ix.schema, all_documents(session)):
            if isinstance(item, Failure):
                expected[item.key] = None  # no version matches
            else:
                expected[item["id"]] = item["version"]
    with ix.searcher() as searcher:
        actual = {fields["id"]: fields.get("version") for fields in searcher.all_stored_fields()}
    return {
        "missing": sorted(set(expected) - set(actual)),
        "stale": sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k]),
        "extra": sorted(set(actual) - set(expected)),
    }
