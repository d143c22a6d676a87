"""The index on disk: generations, the single-writer lock, outbox draining, rebuild and check.

Layout of SEARCH_INDEX_DIR:
    CURRENT        JSON naming the live generation, the schema and the dictionary version;
                   replaced atomically (os.replace) by a rebuild
    write.lock     fcntl lock: whoever holds it is the only writer (drain or rebuild)
    gen-*/         Whoosh index folders; old ones are removed after a swap

A document that cannot be built or written never stops the others: it is logged, set aside as a
dead letter (`SearchDeadLetter`: key, error, attempts, first and last failure), deleted from the
index, and retried by the periodic drain after a doubling delay (`requeue_dead_letters`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from ..core.hooks import after_commit
from ..core.timeutil import utcnow
from ..extensions import db
from . import analysis, engine
from .documents import Failure, all_documents, documents_for
from .models import SearchDeadLetter, SearchOutbox

log = logging.getLogger("marketplace.search")

SCHEMA_VERSION = 8  #: 8: versions and creation times come from aware UTC timestamps


def make_schema() -> Schema:
    text = analysis.analyzer()
    return Schema(
        id=ID(unique=True, stored=True),
        doc_type=ID(stored=True),
        obj_id=NUMERIC(int, stored=True),
        version=STORED(),
        # One searchable text field; the title counts three times and the specs twice (see
        # documents.content_text), which weighs them like BM25F but costs one posting list per term.
        content=TEXT(analyzer=text),
        title=STORED(),
        specs=STORED(),
        body=STORED(),
        domain=KEYWORD(stored=True, commas=True),
        kind=KEYWORD(stored=True, commas=True),
        city=KEYWORD(stored=True, commas=True),
        level=ID(stored=True),
        certs=KEYWORD(stored=True, commas=True, lowercase=True),
        price=NUMERIC(int, bits=64, sortable=True),  #: fen (yuan × 100), for filters and sorting
        price_desc=NUMERIC(int, bits=64, signed=True, sortable=True),  #: −fen, 面议 last: 'price high to low'
        price_yuan=STORED(),  #: None for 面议
        price_unit=STORED(),
        created=NUMERIC(int, bits=64, stored=True, sortable=True),
        deadline=NUMERIC(int, stored=True, sortable=True),
        platform_id=NUMERIC(int, stored=True),
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


@contextmanager
def writer_lock(root: Path, timeout: float):
    """The single-writer lock across threads and processes (fcntl on write.lock)."""
    fd = os.open(root / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy() from None
                time.sleep(0.02)
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
        whoosh_index.open_dir(str(root / current["gen"])).doc_count()
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
        rebuild(app)
        current = _read_current(root)
    ix = whoosh_index.open_dir(str(root / current["gen"]))
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
        field = schema[name]
        if value is None:
            continue
        if isinstance(field, TEXT):
            if not isinstance(value, str):
                raise TypeError(f"field {name!r} expects text, not {type(value).__name__}")
            continue
        if field.indexed:
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
        writer = ix.writer(timeout=10.0)
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
            with suppress(Exception):
                writer.cancel()
            if current is None:
                raise
            log.warning("search document %s refused by the index writer", current["id"], exc_info=True)
            skipped.add(current["id"])
            failures.append(Failure.of(current["doc_type"], current["obj_id"], exc))


def rebuild(app: Flask | None = None, *, procs: int = 1, lock_timeout: float = 600.0) -> int:
    """Build every document into a fresh generation and swap it in atomically. Returns the count.

    A document that cannot be built or written is left out and kept as a dead letter; the dead
    letters afterwards are exactly the documents this rebuild could not index."""
    app = app or current_app
    root = index_root(app)
    failures: dict[str, Failure] = {}
    with writer_lock(root, lock_timeout), Session(db.engine) as session:
        high_water = session.scalar(select(func.max(SearchOutbox.id))) or 0
        schema = make_schema()
        while True:
            gen = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{int(time.monotonic() * 1000) % 100000}"
            path = root / gen
            path.mkdir()
            ix = whoosh_index.create_in(str(path), schema)
            writer = (
                ix.writer(procs=procs, limitmb=256, multisegment=procs > 1)
                if procs > 1
                else ix.writer(limitmb=256)
            )
            count, current = 0, None
            try:
                for item in _checked(schema, all_documents(session)):
                    if isinstance(item, Failure):
                        failures[item.key] = item
                    elif item["id"] not in failures:
                        current = item
                        writer.add_document(**item)
                        count += 1
                current = None
                writer.commit(optimize=True)
                break
            except Exception as exc:  # a document refused half-way spoils the writer: start again without it
                with suppress(Exception):
                    writer.cancel()
                shutil.rmtree(path, ignore_errors=True)
                if current is None:
                    raise
                log.warning("search document %s refused by the index writer", current["id"], exc_info=True)
                failures[current["id"]] = Failure.of(current["doc_type"], current["obj_id"], exc)
        tmp = root / "CURRENT.tmp"
        tmp.write_text(
            json.dumps({"gen": gen, "schema": SCHEMA_VERSION, "dictionary": analysis.DICTIONARY_VERSION})
        )
        os.replace(tmp, root / "CURRENT")
        # Work queued before the snapshot is in the new generation; later rows stay for the next drain.
        session.execute(delete(SearchOutbox).where(SearchOutbox.id <= high_water))
        _record_failures(session, list(failures.values()), app.config["SEARCH_RETRY_DELAY"])
        _resolve(session, _dead_keys(session) - set(failures))
        session.commit()
        for old in root.glob("gen-*"):
            if old.name != gen:
                shutil.rmtree(old, ignore_errors=True)
    log.info("search index rebuilt: %d documents in %s, %d set aside", count, gen, len(failures))
    return count


def drain(app: Flask | None = None, *, wait: float = 2.0, batch: int = 500) -> int:
    """Apply pending outbox rows to the index in order. Returns how many rows were applied.

    Never raises because the index is busy: the rows stay in the outbox for the lock holder or
    the next drain (a later commit, a search, `flask search drain`, or the next start). A document
    that cannot be built or written is set aside as a dead letter and the rest go on."""
    app = app or current_app
    root = index_root(app)
    open_index(app)  # builds the index first if there is none
    applied = 0
    try:
        with writer_lock(root, wait):
            ix = open_index(app, may_rebuild=False)  # a rebuild may have swapped generations meanwhile
            while True:
                with Session(db.engine) as session:
                    rows = session.execute(
                        select(SearchOutbox.id, SearchOutbox.doc_type, SearchOutbox.doc_id)
                        .order_by(SearchOutbox.id)
                        .limit(batch)
                    ).all()
                    if not rows:
                        break
                    docs, touched, failures = documents_for(session, [(r.doc_type, r.doc_id) for r in rows])
                    checked = list(_checked(ix.schema, docs))
                    docs = [d for d in checked if not isinstance(d, Failure)]
                    failures += [d for d in checked if isinstance(d, Failure)]
                    # A document set aside leaves the index too: the index never shows what the database
                    # no longer says, and `check` reports it missing until it indexes again.
                    failures += _write(ix, touched, docs)
                    # The rows read, not every id up to the last: on PostgreSQL a transaction that took a
                    # smaller id may commit after the read; its row waits for the next drain.
                    session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
                    _record_failures(session, failures, app.config["SEARCH_RETRY_DELAY"])
                    _resolve(session, touched - {f.key for f in failures})
                    session.commit()
                    applied += len(rows)
    except IndexBusy:
        log.info("search index busy; outbox rows wait for the next drain")
    except Exception:  # a request never fails because of the index: the outbox keeps the work
        log.exception("search drain failed; the outbox keeps the work")
    return applied


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
        created = utcnow()
        db.session.execute(
            insert(SearchOutbox.__table__),
            [{"doc_type": d.doc_type, "doc_id": d.doc_id, "created_at": created} for d in letters],
        )
        for letter in letters:
            letter.next_attempt_at = None
        schedule_drain(db.session)
    return len(letters)


def has_pending() -> bool:
    """Whether committed changes wait in the outbox (one indexed row lookup: it runs before every search)."""
    return db.session.scalar(select(SearchOutbox.id).limit(1)) is not None


def schedule_drain(session) -> None:
    """After the surrounding commit, enqueue a drain job (once per transaction); with JOBS_IMMEDIATE it
    runs right away in this process, otherwise in `flask jobs worker`."""
    from ..core.jobs import enqueue
    from .jobs import drain_outbox

    app = current_app._get_current_object()

    def run() -> None:
        if app.config["SEARCH_SYNC_DRAIN"]:
            enqueue(drain_outbox)

    after_commit(session, run, key="search-drain")


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
