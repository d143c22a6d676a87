"""Values computed from the database (counts of public rows), kept in each process for as long as
the version they were computed at is the current one.

The caller names the version: a number the database changes in the same transaction as every change
the values depend on (e.g. `matching.outbox.latest_change()`), read before the values. A new version
empties the cache, so a value is never served after a change of what it counts is committed."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

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
