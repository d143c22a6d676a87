"""Values computed from the database (counts of public rows) and pages rendered for anonymous
visitors, kept in each process for as long as the version they were computed at is the current one.

The caller names the version: a number the database changes in the same transaction as every change
the values depend on (e.g. `matching.outbox.latest_change()`), read before the values. A new version
empties the cache, so a value is never served after a change of what it counts is committed."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app, g, request, session
from flask_login import current_user

from .timeutil import local_today

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
        with self._lock:
            if version != self._version:
                self._values.clear()
                self._version = version
            elif key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            if version == self._version:
                self._values[key] = value
                while len(self._values) > self.maxsize:
                    self._values.popitem(last=False)
        return value


def versioned_cache(name: str) -> VersionedCache:
    """The current application's cache called `name` (one per application and process)."""
    caches = current_app.extensions.setdefault("versioned_caches", {})
    if name not in caches:
        caches[name] = VersionedCache()
    return caches[name]


class PageCache:
    """Rendered pages of one version, at most `max_bytes` of bodies, least recently used dropped first."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._version: Hashable = None
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def find(self, version: Hashable, key: Hashable) -> CachedPage | None:
        with self._lock:
            if version != self._version or key not in self._pages:
                return None
            self._pages.move_to_end(key)
            return self._pages[key]

    def put(self, version: Hashable, key: Hashable, page: CachedPage) -> None:
        with self._lock:
            if version != self._version:
                self._pages.clear()
                self._version, self._bytes = version, 0
            if key in self._pages:
                self._bytes -= len(self._pages.pop(key).body)
            self._pages[key] = page
            self._bytes += len(page.body)
            while self._bytes > self.max_bytes:
                self._bytes -= len(self._pages.popitem(last=False)[1].body)


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    mimetype: str


#: The page cache's answer header: `hit` (served from this process's cache) or `miss` (rendered).
CACHE_HEADER = "X-Page-Cache"


def no_store() -> None:
    """This response must not be kept for other visitors (e.g. a search run on an index that could not
    catch up with the database in time)."""
    g.page_no_store = True


def visitor_page(version: Callable[[], Hashable]) -> Callable:
    """Decorate a public view: its pages for anonymous visitors (GET, nothing pending in their session)
    are kept per process at `version()` (read before the view reads anything: what it then reads is at
    least as new) and the day (pages hide what expires), for every visitor asking the same URL. Signed-in
    users always get a page rendered for them. `PAGE_CACHE_MB` per process (0: off)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            limit = current_app.config["PAGE_CACHE_MB"] << 20
            if (
                not limit
                or request.method not in ("GET", "HEAD")
                or current_user.is_authenticated
                or "_flashes" in session
                or len(request.query_string) > MAX_QUERY_BYTES
            ):
                return view(*args, **kwargs)
            cache = current_app.extensions.setdefault("page_cache", PageCache(limit))
            g.page_version = version()  # the view's cached values use it too (one read per request)
            stamp = (g.page_version, local_today())
            key = (request.host, request.path, request.query_string)
            kept = cache.find(stamp, key)
            if kept is not None:
                response = current_app.response_class(kept.body, mimetype=kept.mimetype)
                response.headers[CACHE_HEADER] = "hit"
                return response
            response = current_app.make_response(view(*args, **kwargs))
            if (
                response.status_code == 200
                and not response.is_streamed
                and not session.modified
                and "csrf_token" not in g  # a form for this visitor's session
                and not g.get("page_no_store")
            ):
                cache.put(stamp, key, CachedPage(response.get_data(), response.mimetype))
                response.headers[CACHE_HEADER] = "miss"
            return response

        return wrapper

    return decorate


#: Longer query strings are answered without the cache (no one links to them; no cache flooding).
MAX_QUERY_BYTES = 512
