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
    letters = indexer.dead_letters()
    if letters:
        click.echo(f"另有 {len(letters)} 个文档无法写入索引，已跳过并记入死信：")
        _echo_dead_letters(letters)


def _echo_dead_letters(letters) -> None:
    for letter in letters[:50]:
        click.echo(
            f"  {letter.key}  attempts={letter.attempts}"
            f"  first={letter.first_failed_at.isoformat(timespec='seconds')}"
            f"  last={letter.last_failed_at.isoformat(timespec='seconds')}  {letter.error}"
        )


@search_cli.command("check")
def check_command() -> None:
    """Report documents missing from, stale in, or extra in the index, and the documents set aside
    (dead letters) with their errors. Exit 1 when any."""
    report = indexer.check(current_app)
    for kind in ("missing", "stale", "extra"):
        click.echo(
            f"{kind}: {len(report[kind])}" + (f"  {', '.join(report[kind][:20])}" if report[kind] else "")
        )
    letters = indexer.dead_letters()
    click.echo(f"dead letters: {len(letters)}")
    _echo_dead_letters(letters)
    if any(report.values()) or letters:
        raise SystemExit(1)


@search_cli.command("drain")
def drain_command() -> None:
    """Apply pending changes from the outbox to the index."""
    click.echo(f"applied {indexer.drain(current_app, wait=30.0)} outbox rows")
