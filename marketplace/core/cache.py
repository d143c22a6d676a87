"""Values computed from the database (counts of public rows) and pages rendered for anonymous
visitors, kept in each process for as long as the version they were computed at is the current one.

The caller names the version: a number the database changes in the same transaction as every change
the values depend on (e.g. `matching.outbox.latest_change()`), read before the values. A new version
empties the cache, so a value is never served after a change of what it counts is committed. Pages
and values kept in files are also kept per `code_version()`: after an upgrade, nothing the previous code
rendered or pickled is served."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flask import current_app, g, request, session
from flask_login import current_user

from . import changes
from .timeutil import local_today, this_minute

T = TypeVar("T")


class VersionedCache:
    """At most `maxsize` values of one version, least recently used dropped first."""

    def __init__(self, maxsize: int = 2048):
        self.maxsize = maxsize
        self._version: Hashable = None
        self._values: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of `key` at `version`, computed by `compute()` when this process has none."""
        found = self.peek(version, key, _MISSING)
        if found is not _MISSING:
            return found
        value = compute()
        self.put(version, key, value)
        return value

    def peek(self, version: Hashable, key: Hashable, default=None):
        """The value of `key` kept at `version`, else `default` (a new version empties the cache)."""
        with self._lock:
            if version != self._version:
                self._values.clear()
                self._version = version
            elif key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        return default

    def put(self, version: Hashable, key: Hashable, value) -> None:
        """Keep `value` for `key` at `version` (nothing when a newer version came meanwhile)."""
        with self._lock:
            if version == self._version:
                self._values[key] = value
                while len(self._values) > self.maxsize:
                    self._values.popitem(last=False)


_MISSING = object()


def versioned_cache(name: str, maxsize: int = 2048) -> VersionedCache:
    """The current application's cache called `name` (one per application and process)."""
    caches = current_app.extensions.setdefault("versioned_caches", {})
    if name not in caches:
        caches[name] = VersionedCache(maxsize)
    return caches[name]


class PageCache:
    """Rendered pages of one version: in this process's memory (at most `max_bytes` of bodies, least
    recently used dropped first) and, with a `folder`, in files that the other worker processes of this
    host read too (each process writes at most `max_file_bytes`, by default `max_bytes`, per version; a
    new version's first writer removes the folders of versions older than a minute).

    A file is written to a temporary name and renamed into place, so a reader finds a whole page or
    none. Its name is a digest of the key under a folder named after the version."""

    def __init__(self, max_bytes: int, folder: Path | None = None, max_file_bytes: int | None = None):
        self.max_bytes = max_bytes
        self.max_file_bytes = max_bytes if max_file_bytes is None else max_file_bytes
        self.folder = folder
        self._version: Hashable = None
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._bytes = self._written = 0
        self._lock = threading.Lock()

    def find(self, version: Hashable, key: Hashable) -> CachedPage | None:
        with self._lock:
            if version == self._version and key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        if self.folder is None:
            return None
        try:
            mimetype, _, body = self._path(version, key).read_bytes().partition(b"\n")
        except OSError:
            return None
        page = CachedPage(body, mimetype.decode())
        self._remember(version, key, page)
        return page

    def put(self, version: Hashable, key: Hashable, page: CachedPage) -> None:
        if self._remember(version, key, page) and self.folder is not None:
            path = self._path(version, key)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
                temporary.write_bytes(page.mimetype.encode() + b"\n" + page.body)
                os.replace(temporary, path)
            except OSError:  # a full or read-only disk: this process's memory still keeps the page
                return

    def _remember(self, version: Hashable, key: Hashable, page: CachedPage) -> bool:
        """Keep `page` in memory; returns whether this process may still write it to the folder."""
        with self._lock:
            if version != self._version:
                self._pages.clear()
                self._version, self._bytes, self._written = version, 0, 0
                if self.folder is not None:
                    self._prune(self._path(version, key).parent)
            if key in self._pages:
                self._bytes -= len(self._pages.pop(key).body)
            self._pages[key] = page
            self._bytes += len(page.body)
            while self._bytes > self.max_bytes:
                self._bytes -= len(self._pages.popitem(last=False)[1].body)
            self._written += len(page.body)
            return self._written <= self.max_file_bytes

    def _path(self, version: Hashable, key: Hashable) -> Path:
        tag = hashlib.sha256(repr(version).encode()).hexdigest()[:24]
        return self.folder / tag / hashlib.sha256(repr(key).encode()).hexdigest()

    def _prune(self, current: Path) -> None:
        """Remove the folders of other versions last written over a minute ago (a process still at one
        of them finds no file and renders the page)."""
        old = time.time() - 60
        with contextlib.suppress(OSError):
            for folder in self.folder.iterdir():
                if folder != current and folder.stat().st_mtime < old:
                    shutil.rmtree(folder, ignore_errors=True)


def clear_pages(folder: Path) -> None:
    """Forget every page kept in `folder` (a server starting: the database may have been replaced)."""
    shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    mimetype: str


#: The page cache's answer header: `hit` (served from the cache) or `miss` (rendered, then kept).
CACHE_HEADER = "X-Page-Cache"


def no_store() -> None:
    """This response must not be kept for other visitors (e.g. a search run on an index that could not
    catch up with the database in time)."""
    g.page_no_store = True


def visitor_page(version: Callable[[], Hashable], period: Callable[[], Hashable] = local_today) -> Callable:
    """Decorate a public view: its pages for anonymous visitors (GET, nothing pending in their session)
    are kept per process at `version()` (read before the view reads anything: what it then reads is at
    least as new) and `period()` (the day: pages hide what expires; the hour for a page that changes
    within a day), for every visitor asking the same URL. Signed-in
    users always get a page rendered for them. `PAGE_CACHE_MB` per process (0: off), shared by the
    host's workers through the files in `PAGE_CACHE_DIR`."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if current_user.is_authenticated or not _cacheable_request():
                return view(*args, **kwargs)
            g.page_version = version()  # the view's cached values use it too (one read per request)
            stamp, key = (g.page_version, period()), (request.host, request.path, request.query_string)
            return _serve("pages", stamp, key, lambda: view(*args, **kwargs), own_forms=False)

        return wrapper

    return decorate


def member_page(version: Callable[[], Hashable], period: Callable[[], Hashable] = this_minute) -> Callable:
    """Decorate a view of signed-in users (below its access checks): its pages are kept for the user's
    session (its forms carry the session's token) at the public content's `version()`, the counter of
    the private rows of the user's organisation (`core.changes`: messages, notifications, inquiries …
    of the firm or platform; every organisation's for administrators) and `period()` (the minute: the
    view must then show the time as of `this_minute()`). A change committed by anyone to what the page
    may show gives it a new key, so no one, least of all the user who made it, is shown the page from
    before. Kept like `visitor_page`'s pages, in their own part of `PAGE_CACHE_MB`."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated or not _cacheable_request():
                return view(*args, **kwargs)
            stamp = (version(), period())
            g.page_version = stamp[0]
            private = changes.versions(changes.scope_names(current_user))
            signed = hashlib.sha256(repr(sorted(session.items())).encode()).hexdigest()
            key = (request.host, request.path, request.query_string, current_user.id, signed, private)
            return _serve("member_pages", stamp, key, lambda: view(*args, **kwargs), own_forms=True)

        return wrapper

    return decorate


def _cacheable_request() -> bool:
    return bool(
        current_app.config["PAGE_CACHE_MB"]
        and not current_app.debug  # templates being edited
        and request.method in ("GET", "HEAD")
        and "_flashes" not in session
        and len(request.query_string) <= MAX_QUERY_BYTES
    )


@functools.cache
def code_version() -> str:
    """A digest of the application's code, templates and static files (each file's path, size and
    modification time), read once per process: what files kept for other processes are filed under, so
    a worker of new code never reads what old code wrote (pages of old templates, pickles of old classes)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for folder in (package, Path(current_app.template_folder), Path(current_app.static_folder)):
        for path in sorted(folder.rglob("*")):
            if "__pycache__" in path.parts:  # written as modules are first imported: not the code
                continue
            with contextlib.suppress(OSError):
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _serve(name: str, version: Hashable, key: Hashable, render: Callable, *, own_forms: bool):
    """The page of `key` kept at `version` in the cache `name`, else `render()`'s, kept when it is a
    whole 200 page that changed nothing in the session (and carries no form, unless the key is the
    session's own: `own_forms`)."""
    cache = current_app.extensions.get(name)
    if cache is None:
        folder = current_app.config.get("PAGE_CACHE_DIR")
        cache = current_app.extensions[name] = PageCache(
            current_app.config["PAGE_CACHE_MB"] << 20, folder and Path(folder) / _FOLDERS[name]
        )
    version = (code_version(), version)
    kept = cache.find(version, key)
    if kept is not None:
        response = current_app.response_class(kept.body, mimetype=kept.mimetype)
        response.headers[CACHE_HEADER] = "hit"
        return response
    response = current_app.make_response(render())
    if (
        response.status_code == 200
        and not response.is_streamed
        and not session.modified
        and (own_forms or "csrf_token" not in g)  # a form for this visitor's session
        and not g.get("page_no_store")
    ):
        cache.put(version, key, CachedPage(response.get_data(), response.mimetype))
        response.headers[CACHE_HEADER] = "miss"
    return response


#: The page caches' folders under PAGE_CACHE_DIR.
_FOLDERS = {"pages": "pages", "member_pages": "members"}


#: Longer query strings are answered without the cache (no one links to them; no cache flooding).
MAX_QUERY_BYTES = 512
