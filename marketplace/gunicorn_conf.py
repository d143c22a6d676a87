"""gunicorn settings: `gunicorn -c python:marketplace.gunicorn_conf 'marketplace:create_app()'`.

Each worker prepares its search (searcher, per-document table, compiled SQL) as it starts, before it
takes requests, so no user's request pays for it (about a second at 50,000 offerings). Then the
objects made so far (the app, the search tables, the compiled SQL: some 230,000) are moved out of the
garbage collector's sight (`gc.freeze`), so a full collection during a request does not walk them
(one took 245 ms at 50,000 offerings)."""

from __future__ import annotations

import gc


def post_worker_init(worker) -> None:
    from marketplace.matching.services import warm_up

    warm_up(worker.wsgi)
    gc.collect()
    gc.freeze()
