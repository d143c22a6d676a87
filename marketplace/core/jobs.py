"""Background jobs on Huey: the one queue, configured from settings, and how features declare jobs.

A feature declares jobs in its `jobs.py` with `@task()` or `@periodic_task(crontab(...))` and enqueues
them by calling them (`deliver_mail(mail_id)`), usually through `enqueue_after_commit` so nothing is
queued for a transaction that rolls back. `flask jobs worker` runs them, and the periodic ones, from
the backend the settings name: SQLite (a file in instance/, the default) or Redis (production). With
JOBS_IMMEDIATE a job runs in the enqueuing process at once (the tests). Every job runs in a fresh app
context of the app whose queue it came from, so it has its own database session.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.api import TaskWrapper
from huey.storage import BaseStorage, MemoryStorage, RedisStorage, SqliteStorage
from redis import ConnectionPool
from sqlalchemy.orm import Session

from .hooks import after_commit

__all__ = ["crontab", "enqueue", "enqueue_after_commit", "huey", "init_jobs", "periodic_task", "task"]

log = logging.getLogger("marketplace.jobs")


class _AppQueue:
    """One app's queue: the app, its storage, and whether its jobs run at once (JOBS_IMMEDIATE)."""

    def __init__(self, app: Flask, storage: BaseStorage, immediate: bool) -> None:
        self.app, self.storage, self.immediate = app, storage, immediate


class FlaskHuey(Huey):
    """Huey whose storage and immediate mode are those of the current app (set by `init_jobs`), or,
    outside an app context (the worker's threads), of the app configured last in this process. So a
    second app in one process (tests, bench scripts) never sends the first app's jobs elsewhere."""

    _last: _AppQueue | None = None
    _unconfigured_storage: BaseStorage | None = None

    def app_queue(self) -> _AppQueue | None:
        if has_app_context() and "jobs" in current_app.extensions:
            return current_app.extensions["jobs"]
        return self._last

    @property
    def storage(self) -> BaseStorage:
        queue = self.app_queue()
        return queue.storage if queue else self._unconfigured_storage

    @storage.setter
    def storage(self, value: BaseStorage) -> None:  # Huey.__init__, before any app is configured
        self._unconfigured_storage = value

    @property
    def _immediate(self) -> bool:  # read by Huey.enqueue
        queue = self.app_queue()
        return queue.immediate if queue else True

    @_immediate.setter
    def _immediate(self, value: bool) -> None:  # Huey.__init__; the mode is per app, see init_jobs
        pass


#: The one queue. Until `init_jobs` configures an app, it runs jobs at once, in memory.
huey = FlaskHuey("marketplace", results=False, immediate=True)


def init_jobs(app: Flask) -> None:
    """Give the app its queue on the backend its settings name; its jobs run in this app."""
    backend = app.config["JOBS_BACKEND"]
    if backend == "sqlite":
        path = app.config.get("JOBS_SQLITE_PATH") or os.path.join(app.instance_path, "jobs.sqlite")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        storage_class, storage_kwargs = SqliteStorage, {"filename": path}
    elif backend == "redis":
        # Bounded waits: an unreachable Redis costs an after-commit enqueue seconds, never a hung request.
        pool = ConnectionPool.from_url(
            app.config["JOBS_REDIS_URL"], socket_connect_timeout=5, socket_timeout=30
        )
        storage_class, storage_kwargs = RedisStorage, {"connection_pool": pool}
    else:
        raise RuntimeError(f"JOBS_BACKEND must be 'sqlite' or 'redis', not {backend!r}")
    immediate = bool(app.config["JOBS_IMMEDIATE"])
    # Immediate mode keeps what it must (schedules of retries) in memory, like Huey's own.
    storage = MemoryStorage(huey.name) if immediate else storage_class(huey.name, **storage_kwargs)
    previous = app.extensions.get("jobs")
    if previous is not None:
        previous.storage.close()
    app.extensions["jobs"] = huey._last = _AppQueue(app, storage, immediate)


def describe_backend(app: Flask) -> str:
    """Where the app's queue lives, for people reading the worker's first line."""
    if app.config["JOBS_BACKEND"] == "redis":
        return f"Redis {app.config['JOBS_REDIS_URL']}"
    return f"SQLite {app.extensions['jobs'].storage.filename}"


def _in_app_context(func: Callable) -> Callable:
    @functools.wraps(func)
    def run(*args, **kwargs):
        queue = huey.app_queue()
        if queue is None:
            raise RuntimeError("init_jobs(app) has not been called in this process")
        with queue.app.app_context():  # a fresh context: the job has its own database session
            return func(*args, **kwargs)

    return run


def task(**options) -> Callable[[Callable], TaskWrapper]:
    """Declare a job (Huey's `task` options: retries, retry_delay, ...) that runs in the app context."""
    return lambda func: huey.task(**options)(_in_app_context(func))


def periodic_task(schedule: Callable, **options) -> Callable[[Callable], TaskWrapper]:
    """Declare a job that the worker enqueues whenever `schedule` (e.g. `crontab(minute="0")`) says so."""
    return lambda func: huey.periodic_task(schedule, **options)(_in_app_context(func))


def enqueue(job: TaskWrapper, *args) -> None:
    """Enqueue `job(*args)`. A broker that is down is logged, never raised: every job keeps its work in
    the database, where a periodic job finds it again."""
    try:
        job(*args)
    except Exception:
        log.exception("could not enqueue %s%r; a periodic job will pick the work up", job.func.__name__, args)


def enqueue_after_commit(session: Session, job: TaskWrapper, *args, key: str | None = None) -> None:
    """Enqueue `job(*args)` once the session's transaction commits; nothing after a rollback."""
    after_commit(session, lambda: enqueue(job, *args), key=key)
