"""gunicorn settings: `gunicorn -c python:marketplace.gunicorn_conf 'marketplace:create_app()'`.

Each worker prepares its search (searcher, per-document table, compiled SQL) as it starts, before it
takes requests, so no user's request pays for it (about a second at 50,000 offerings). Then the
objects made so far (the app, the search tables, the compiled SQL: some 230,000) are moved out of the
garbage collector's sight (`gc.freeze`), so a full collection during a request does not walk them
(one took 245 ms at 50,000 offerings).

As it starts or reloads (HUP), the server forgets the public pages its workers kept in files
(`PAGE_CACHE_DIR`): they are keyed by the database's version number, and the code (templates) or the
database may have been replaced meanwhile."""

from __future__ import annotations

import gc
from pathlib import Path


def on_starting(server) -> None:
    from marketplace import create_app
    from marketplace.core.cache import clear_pages

    clear_pages(Path(create_app().config["PAGE_CACHE_DIR"]))


on_reload = on_starting


def post_worker_init(worker) -> None:
    from marketplace.matching.services import warm_up

    warm_up(worker.wsgi)
    gc.collect()
    gc.freeze()
