"""`flask search rebuild|check|drain`."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from . import indexer

search_cli = AppGroup("search", help="搜索索引 / the search index")


@search_cli.command("rebuild")
@click.option("--procs", default=1, show_default=True, help="writer processes")
def rebuild_command(procs: int) -> None:
    """Build a fresh index from the database and swap it in atomically."""
    started = time.perf_counter()
    count = indexer.rebuild(current_app, procs=procs)
    click.echo(f"已重建索引：{count} 个文档，用时 {time.perf_counter() - started:.1f} 秒")


@search_cli.command("check")
def check_command() -> None:
    """Report documents missing from, stale in, or extra in the index. Exit 1 when any."""
    report = indexer.check(current_app)
    for kind in ("missing", "stale", "extra"):
        click.echo(
            f"{kind}: {len(report[kind])}" + (f"  {', '.join(report[kind][:20])}" if report[kind] else "")
        )
    if any(report.values()):
        raise SystemExit(1)


@search_cli.command("drain")
def drain_command() -> None:
    """Apply pending changes from the outbox to the index."""
    click.echo(f"applied {indexer.drain(current_app, wait=30.0)} outbox rows")
